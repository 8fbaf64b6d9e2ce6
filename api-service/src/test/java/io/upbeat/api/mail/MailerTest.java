package io.upbeat.api.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.mail.javamail.JavaMailSender;

class MailerTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);

  private static Mailer mailer(Path dropDir) {
    return new Mailer(
        new StaticListableBeanFactory().getBeanProvider(JavaMailSender.class),
        new MailProperties(dropDir, "upbeat@example.com"),
        CLOCK);
  }

  @Test
  void withoutSmtpOrDropDirNothingIsSentAndTheCallerIsTold() {
    Mailer mailer = mailer(null);
    assertThat(mailer.configured()).isFalse();
    assertThatThrownBy(() -> mailer.send("bob@example.com", "Hi", "text"))
        .isInstanceOf(MailNotSent.class)
        .hasMessageContaining("no mail transport");
  }

  @Test
  void writesEachMessageWholeAsOneEmlFile(@TempDir Path dir) throws Exception {
    Path drop = dir.resolve("mail");
    Mailer mailer = mailer(drop);
    assertThat(mailer.configured()).isTrue();

    mailer.send(
        "bob@example.com", "Join Zürich Ops on Upbeat", "Grüezi\nhttp://x/accept?token=t\n");
    mailer.send("carol@example.com", "Second", "two");

    List<Path> files;
    try (Stream<Path> list = Files.list(drop)) {
      files = list.sorted().toList();
    }
    assertThat(files).hasSize(2).allMatch(f -> f.toString().endsWith(".eml"));
    try (InputStream in = Files.newInputStream(files.getFirst())) {
      MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), in);
      assertThat(m.getRecipients(Message.RecipientType.TO)[0].toString())
          .isEqualTo("bob@example.com");
      assertThat(m.getFrom()[0].toString()).isEqualTo("upbeat@example.com");
      assertThat(m.getSubject()).isEqualTo("Join Zürich Ops on Upbeat");
      assertThat(((String) m.getContent()).replace("\r\n", "\n"))
          .isEqualTo("Grüezi\nhttp://x/accept?token=t\n");
      assertThat(m.getSentDate().toInstant()).isEqualTo(CLOCK.instant());
    }
  }

  @Test
  void aDropDirThatCannotBeWrittenIsAFailureNotASilentLoss(@TempDir Path dir) throws Exception {
    Path notADir = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> mailer(notADir).send("bob@example.com", "Hi", "text"))
        .isInstanceOf(MailNotSent.class);
  }

  @Test
  void addressableFollowsJakartaMailsStrictSyntax() {
    assertThat(Mailer.addressable("bob@example.com")).isTrue();
    assertThat(Mailer.addressable("bob smith@example.com")).isFalse();
    assertThat(Mailer.addressable("bob@example.com, eve@example.com")).isFalse();
    assertThat(Mailer.addressable("Bob <bob@example.com>")).isFalse();
  }
}
