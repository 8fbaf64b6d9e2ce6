package io.upbeat.api.notify;

import io.upbeat.api.mail.MailNotSent;
import io.upbeat.api.mail.Mailer;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Sends one notification as an e-mail through the {@link Mailer} (SMTP, or the drop directory of
 * {@code ./upbeat dev}).
 */
@Component
class EmailSender {
  private final Mailer mail;
  private final NotifyProperties properties;

  EmailSender(Mailer mail, NotifyProperties properties) {
    this.mail = mail;
    this.properties = properties;
  }

  /** Whether e-mail can be sent at all; without it, dispatch plans no e-mail deliveries. */
  boolean configured() {
    return mail.configured();
  }

  Outcome send(String to, Message m) {
    if (!mail.configured()) {
      return Outcome.failed(
          null, "no mail transport configured (spring.mail.host or upbeat.mail.drop-dir)");
    }
    try {
      mail.send(
          new Mailer.Message(
              properties.emailFrom(),
              to,
              m.subject(),
              m.text() + "\n\n" + m.link() + "\n",
              Map.of("X-Upbeat-Delivery", m.id().toString())));
      return Outcome.sent(null);
    } catch (MailNotSent e) {
      return Outcome.failed(null, e.getMessage());
    }
  }
}
