package io.upbeat.api.notify;

import jakarta.mail.internet.MimeMessage;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/** Sends one notification as an e-mail over SMTP ({@code spring.mail.*}). */
@Component
class EmailSender {
  private final ObjectProvider<JavaMailSender> mail;
  private final NotifyProperties properties;

  EmailSender(ObjectProvider<JavaMailSender> mail, NotifyProperties properties) {
    this.mail = mail;
    this.properties = properties;
  }

  /** Whether e-mail can be sent at all; without it, dispatch plans no e-mail deliveries. */
  boolean configured() {
    return mail.getIfAvailable() != null;
  }

  Outcome send(String to, Message m) {
    JavaMailSender sender = mail.getIfAvailable();
    if (sender == null) {
      return Outcome.failed(null, "no SMTP server configured (spring.mail.host)");
    }
    try {
      MimeMessage mime = sender.createMimeMessage();
      MimeMessageHelper helper = new MimeMessageHelper(mime, false, "UTF-8");
      helper.setFrom(properties.emailFrom());
      helper.setTo(to);
      helper.setSubject(m.subject());
      helper.setText(m.text() + "\n\n" + m.link() + "\n");
      mime.setHeader("X-Upbeat-Delivery", m.id().toString());
      sender.send(mime);
      return Outcome.sent(null);
    } catch (Exception e) {
      return Outcome.failed(null, "SMTP: " + e.getMessage());
    }
  }
}
