package io.upbeat.api.accounts;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.mail.MailNotSent;
import io.upbeat.api.mail.Mailer;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.security.Secrets;
import io.upbeat.events.TokenDigest;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Proves that a user owns their e-mail address: a single-use link mailed to it at sign-up (and on
 * request) marks it verified. Notification e-mails go only to verified members, so signing up with
 * somebody else's address gets nobody mail they did not ask for. Accepting an invitation mailed to
 * the same address proves it too.
 */
@Component
public class EmailVerification {
  private static final Logger log = LoggerFactory.getLogger(EmailVerification.class);
  static final Duration VALIDITY = Duration.ofDays(7);
  static final Duration RESEND_INTERVAL = Duration.ofMinutes(1);
  private static final int MAX_TOKEN_LENGTH = 100;

  private final JdbcClient jdbc;
  private final Mailer mailer;
  private final Clock clock;
  private final MeterRegistry meters;
  private final String publicUrl;

  EmailVerification(
      JdbcClient jdbc,
      Mailer mailer,
      Clock clock,
      MeterRegistry meters,
      @Value("${upbeat.notifications.public-url:http://localhost:8080}") String publicUrl) {
    this.jdbc = jdbc;
    this.mailer = mailer;
    this.clock = clock;
    this.meters = meters;
    this.publicUrl = publicUrl.replaceAll("/+$", "");
  }

  /**
   * Mails a new verification link to the user's address (in the caller's transaction). A mail that
   * cannot be sent is logged and counted, not an error: the account exists either way, and the user
   * can ask for another link once mail works.
   *
   * @return whether the mail was sent
   */
  boolean start(UUID user, String email) {
    String token = Secrets.newEmailVerificationToken();
    Instant now = clock.instant();
    jdbc.sql(
            """
            INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at)
            VALUES (:hash, :user, :email, :now, :expires)
            """)
        .param("hash", TokenDigest.sha256(token))
        .param("user", user)
        .param("email", email)
        .param("now", Timestamp.from(now))
        .param("expires", Timestamp.from(now.plus(VALIDITY)))
        .update();
    try {
      mailer.send(
          email,
          "[Upbeat] Verify your e-mail address",
          """
          Someone (we hope you) signed up to Upbeat with this address.

          Follow this link within 7 days to verify it, so that Upbeat may send you notifications:
          %s/verify-email?token=%s

          If it was not you, ignore this message: no e-mail will be sent to this address.
          """
              .formatted(publicUrl, token));
      meters.counter("upbeat.accounts.verification_mails", "outcome", "sent").increment();
      return true;
    } catch (MailNotSent e) {
      log.warn("Verification e-mail not sent ({}); the user can ask for another", e.getMessage());
      meters.counter("upbeat.accounts.verification_mails", "outcome", "failed").increment();
      return false;
    }
  }

  /**
   * Uses a verification token: its user's address (if it is still theirs) is verified.
   *
   * @return the verified address
   * @throws ApiException 404 for a used, expired or unknown token
   */
  @Transactional
  public String confirm(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw ApiException.notFound("The verification link");
    }
    Instant now = clock.instant();
    record Used(UUID user, String email) {}
    Used used =
        jdbc.sql(
                """
                UPDATE email_verifications SET used_at = :now
                WHERE token_hash = :hash AND used_at IS NULL AND expires_at > :now
                RETURNING user_id, email
                """)
            .param("now", Timestamp.from(now))
            .param("hash", TokenDigest.sha256(token))
            .query((rs, n) -> new Used(rs.getObject(1, UUID.class), rs.getString(2)))
            .optional()
            .orElseThrow(() -> ApiException.notFound("The verification link"));
    markVerified(used.user(), used.email());
    return used.email();
  }

  /**
   * Marks the user's address verified if it is {@code email} (any case): proven by a token mailed
   * to it. Already verified addresses keep their first verification time.
   */
  public void markVerified(UUID user, String email) {
    jdbc.sql(
            """
            UPDATE users SET email_verified_at = :now
            WHERE id = :user AND lower(email) = lower(:email) AND email_verified_at IS NULL
            """)
        .param("now", Timestamp.from(clock.instant()))
        .param("user", user)
        .param("email", email)
        .update();
  }

  /** When the user's address was verified; empty while it is not. */
  Optional<Instant> verifiedAt(UUID user) {
    return jdbc.sql("SELECT email_verified_at FROM users WHERE id = :user")
        .param("user", user)
        .query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant))
        .optional()
        .flatMap(t -> t);
  }

  /**
   * Mails a fresh link to the caller's address, at most once a minute.
   *
   * @throws ApiException 409 if the address is verified already; 429 within a minute of the last
   *     link; 503 if the mail could not be sent
   */
  @Transactional
  void resend(CurrentUser user) {
    // The user's row, locked: two requests at once send one mail.
    String email =
        jdbc.sql(
                "SELECT email FROM users WHERE id = :user AND email_verified_at IS NULL FOR UPDATE")
            .param("user", user.id())
            .query(String.class)
            .optional()
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.CONFLICT, "Your e-mail address is verified already."));
    Optional<Instant> last =
        jdbc.sql("SELECT max(created_at) FROM email_verifications WHERE user_id = :user")
            .param("user", user.id())
            .query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant))
            .single();
    Instant now = clock.instant();
    if (last.isPresent() && last.get().plus(RESEND_INTERVAL).isAfter(now)) {
      throw new ApiException(
          ErrorCode.RATE_LIMITED,
          "A verification link was sent less than a minute ago; check your mailbox.",
          List.of(),
          Duration.between(now, last.get().plus(RESEND_INTERVAL)));
    }
    if (!start(user.id(), email)) {
      throw new ApiException(
          ErrorCode.UNAVAILABLE, "The e-mail could not be sent; try again later.");
    }
  }
}
