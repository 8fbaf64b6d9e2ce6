package io.upbeat.api.mail;

/** A message that {@link Mailer} could not hand over; the reason is the message (no secrets). */
public final class MailNotSent extends RuntimeException {
  MailNotSent(String message, Throwable cause) {
    super(message, cause);
  }
}
