package io.upbeat.api;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The e-mails api-service wrote to its drop directory ({@code upbeat.mail.drop-dir}), as a
 * developer under {@code ./upbeat dev} reads them: one whole {@code .eml} file per message.
 */
final class Mailbox {
  static final Path DIR = createDir();
  static final Pattern LINK =
      Pattern.compile("(https?://\\S+)/invitations/accept\\?token=(ub_inv_[A-Za-z0-9_-]{43})");

  private Mailbox() {}

  /** A message as read back from its file. */
  record Mail(Path file, String to, String subject, String text) {
    /** The invitation token of the one accept link in the text. */
    String token() {
      Matcher m = LINK.matcher(text);
      if (!m.find()) {
        throw new AssertionError("no invitation link in:\n" + text);
      }
      return m.group(2);
    }
  }

  /** Every message to {@code email}, oldest first (file names sort by time). */
  static List<Mail> to(String email) {
    List<Mail> mails = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".eml")).sorted().toList()) {
        Mail m = read(f);
        if (m.to().equalsIgnoreCase(email)) {
          mails.add(m);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return mails;
  }

  /**
   * The invitation e-mails to {@code email} (not the sign-up's verification mail), oldest first.
   */
  static List<Mail> invitationsTo(String email) {
    return to(email).stream().filter(m -> LINK.matcher(m.text()).find()).toList();
  }

  /** The newest verification token sent to {@code email}. */
  static String latestVerificationToken(String email) {
    List<String> tokens = new ArrayList<>();
    for (Mail m : to(email)) {
      Matcher matcher = VERIFY.matcher(m.text());
      if (matcher.find()) {
        tokens.add(matcher.group(1));
      }
    }
    if (tokens.isEmpty()) {
      throw new AssertionError("no verification e-mail to " + email + " in " + DIR);
    }
    return tokens.getLast();
  }

  static final Pattern VERIFY = Pattern.compile("/verify-email\\?token=(ub_ver_[A-Za-z0-9_-]{43})");

  /** The newest invitation token sent to {@code email}. */
  static String latestToken(String email) {
    List<Mail> mails = invitationsTo(email);
    if (mails.isEmpty()) {
      throw new AssertionError("no e-mail to " + email + " in " + DIR);
    }
    return mails.getLast().token();
  }

  static Mail read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Properties utf8 = new Properties();
      // Addresses outside ASCII are written as UTF-8 (RFC 6532).
      utf8.setProperty("mail.mime.allowutf8", "true");
      MimeMessage mime = new MimeMessage(Session.getInstance(utf8), in);
      return new Mail(
          file,
          mime.getRecipients(Message.RecipientType.TO)[0].toString(),
          mime.getSubject(),
          (String) mime.getContent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path createDir() {
    try {
      return Files.createTempDirectory("upbeat-mail-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
