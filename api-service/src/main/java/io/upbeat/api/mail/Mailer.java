package io.upbeat.api.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Sends Upbeat's e-mails (invitations, notifications), one plain-text message at a time,
 * synchronously: through {@link JavaMailSender} when {@code spring.mail.host} is set (Spring Boot
 * then provides one), else written whole as an {@code .eml} file into {@code upbeat.mail.drop-dir}.
 * With neither, nothing can be sent and {@link #send} says so instead of dropping the message:
 * callers decide what an unsent message means for them.
 */
@Component
public class Mailer {
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final ObjectProvider<JavaMailSender> smtp;
  private final MailProperties properties;
  private final Clock clock;

  Mailer(ObjectProvider<JavaMailSender> smtp, MailProperties properties, Clock clock) {
    this.smtp = smtp;
    this.properties = properties;
    this.clock = clock;
  }

  /** Whether {@link #send} has somewhere to send to (an SMTP server or a drop directory). */
  public boolean configured() {
    return smtp.getIfAvailable() != null || properties.dropDir() != null;
  }

  /**
   * Whether {@code address} is one bare address a message can be sent to (Jakarta Mail's strict
   * syntax, a little narrower than what Upbeat accepts as an e-mail elsewhere).
   */
  public static boolean addressable(String address) {
    try {
      InternetAddress parsed = new InternetAddress(address, true);
      parsed.validate();
      // A bare address only: no display name, no group, nothing parsed away.
      return parsed.getPersonal() == null && address.equals(parsed.getAddress());
    } catch (AddressException e) {
      return false;
    }
  }

  /**
   * One plain-text message.
   *
   * @param from the sender; null for {@code upbeat.mail.from}
   * @param headers extra headers (e.g. a delivery id receivers deduplicate by)
   */
  public record Message(
      String from, String to, String subject, String text, Map<String, String> headers) {
    public Message {
      headers = Map.copyOf(headers);
    }
  }

  /**
   * Sends a message from {@code upbeat.mail.from}, or throws.
   *
   * @throws MailNotSent when no transport is configured, or the SMTP server or the drop directory
   *     refused it
   */
  public void send(String to, String subject, String text) {
    send(new Message(null, to, subject, text, Map.of()));
  }

  /**
   * Sends the message or throws.
   *
   * @throws MailNotSent when no transport is configured, or the SMTP server or the drop directory
   *     refused it
   */
  public void send(Message message) {
    JavaMailSender sender = smtp.getIfAvailable();
    try {
      if (sender != null) {
        sender.send(mime(sender.createMimeMessage(), message));
      } else if (properties.dropDir() != null) {
        drop(mime(new MimeMessage(Session.getInstance(new Properties())), message));
      } else {
        throw new MailNotSent(
            "no mail transport is configured (spring.mail.host or upbeat.mail.drop-dir)", null);
      }
    } catch (MessagingException | MailException | IOException e) {
      throw new MailNotSent(
          "the e-mail could not be sent: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
          e);
    }
  }

  private MimeMessage mime(MimeMessage mime, Message m) throws MessagingException {
    mime.setFrom(new InternetAddress(m.from() == null ? properties.from() : m.from()));
    mime.setRecipients(MimeMessage.RecipientType.TO, InternetAddress.parse(m.to(), true));
    mime.setSubject(m.subject(), "UTF-8");
    mime.setText(m.text(), "UTF-8");
    mime.setSentDate(Date.from(clock.instant()));
    for (Map.Entry<String, String> h : m.headers().entrySet()) {
      mime.setHeader(h.getKey(), h.getValue());
    }
    mime.saveChanges();
    return mime;
  }

  /**
   * Writes to a temporary name and then renames, so a reader of the directory never sees half a
   * message.
   */
  private void drop(MimeMessage mime) throws IOException, MessagingException {
    Path dir = Files.createDirectories(properties.dropDir());
    // Sorts by time, then by this instance's sequence; the UUID keeps instances sharing the
    // directory apart.
    String name =
        "%013d-%09d-%s".formatted(clock.millis(), SEQUENCE.incrementAndGet(), UUID.randomUUID());
    Path partial = dir.resolve(name + ".eml.part");
    try (OutputStream out = Files.newOutputStream(partial)) {
      mime.writeTo(out);
    }
    Files.move(partial, dir.resolve(name + ".eml"), StandardCopyOption.ATOMIC_MOVE);
  }
}
