package io.upbeat.api.mail;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where Upbeat's own e-mails (invitations) go. With {@code spring.mail.host} set they are sent
 * through that SMTP server; otherwise, with {@code dropDir} set (as {@code ./upbeat dev} does, to
 * {@code <data-dir>/mail}), each is written whole to one {@code .eml} file there so a developer can
 * read it.
 *
 * @param dropDir the directory for {@code .eml} files when no SMTP host is set; null for none
 * @param from the sender address
 */
@ConfigurationProperties("upbeat.mail")
record MailProperties(Path dropDir, @DefaultValue("upbeat@localhost") String from) {}
