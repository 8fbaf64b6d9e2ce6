package io.upbeat.api.orgs;

import io.upbeat.api.accounts.EmailVerification;
import io.upbeat.api.accounts.Emails;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.mail.MailNotSent;
import io.upbeat.api.mail.Mailer;
import io.upbeat.api.security.Secrets;
import io.upbeat.events.TokenDigest;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Invitations by consent: an owner invites an e-mail, Upbeat mails a single-use link, and whoever
 * opens it while signed in joins the org with the invitation's role. Nobody joins an org without
 * acting on such a link (signing up with the invited e-mail joins nothing), so registering someone
 * else's address gains nothing.
 *
 * <p>The token is the proof that the accepting person reads the invited mailbox; it may be accepted
 * from an account with another e-mail (people keep a work address in one account, as Sentry also
 * allows). Only its SHA-256 digest is stored, it expires after {@value #VALID_DAYS} days, and
 * acceptance is one conditional {@code UPDATE}, so of two concurrent accepts exactly one wins.
 *
 * <p>Mail reliability: the e-mail is sent inside the transaction that creates (or re-tokens) the
 * invitation, and a failed send rolls that transaction back with a 503. So an invitation never
 * exists whose e-mail silently vanished, and the owner learns at once that they must try again. The
 * reverse (mail sent, then the commit fails) leaves a link that answers 404: harmless. This was
 * chosen over an outbox because the token must never be stored, only its digest, and an outbox row
 * would have to hold the token (or the whole message) until it was sent.
 *
 * <p>Callers have resolved the org through {@code AccessControl} (inviting is an owner's).
 */
@Service
public class Invitations {
  static final int VALID_DAYS = 7;
  private static final Duration VALIDITY = Duration.ofDays(VALID_DAYS);
  private static final int MAX_TOKEN_LENGTH = 200;
  private static final Logger log = LoggerFactory.getLogger(Invitations.class);
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("d MMMM uuuu, HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final JdbcClient jdbc;
  private final Mailer mailer;
  private final Clock clock;
  private final String publicUrl;
  private final AuditLog audit;
  private final EmailVerification verification;

  Invitations(
      JdbcClient jdbc,
      Mailer mailer,
      Clock clock,
      @Value("${upbeat.notifications.public-url:http://localhost:8080}") String publicUrl,
      AuditLog audit,
      EmailVerification verification) {
    this.audit = audit;
    this.verification = verification;
    this.jdbc = jdbc;
    this.mailer = mailer;
    this.clock = clock;
    this.publicUrl =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
  }

  /** A pending invitation as the API shows it (never its token). */
  record Invitation(UUID id, String email, String role, Instant expiresAt) {}

  /** The org an accepted invitation joined, and the caller's role in it now. */
  public record Joined(UUID id, String slug, String name, String role) {}

  /** What the accept page shows for a pending invitation's token. */
  record Preview(String orgName, String email, String role) {}

  /**
   * Invites a validated e-mail to the org with {@code role} and mails the link.
   *
   * @throws ApiException 409 if the e-mail belongs to a member of the org or has a pending
   *     invitation (both visible to the org's members anyway: nothing is said about whether an
   *     account exists elsewhere); 400 if mail cannot be addressed to it; 503 if the e-mail could
   *     not be sent (then nothing was saved)
   */
  @Transactional
  Invitation invite(UUID org, String rawEmail, String role, UUID invitedBy) {
    String email = Emails.normalize(rawEmail);
    if (!Mailer.addressable(email)) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The e-mail cannot be sent to.",
          List.of(new ErrorBody.Detail("email", "must be an e-mail address mail can be sent to")));
    }
    requireMail();
    boolean member =
        jdbc.sql(
                """
                SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                  WHERE m.org_id = :org AND lower(u.email) = :email)
                """)
            .param("org", org)
            .param("email", email)
            .query(Boolean.class)
            .single();
    if (member) {
      throw new ApiException(
          ErrorCode.CONFLICT, "This e-mail already belongs to a member of the organization.");
    }
    Instant now = clock.instant();
    // An expired invitation no longer blocks a new one.
    jdbc.sql(
            """
            UPDATE invitations SET revoked_at = :now
            WHERE org_id = :org AND email = :email AND accepted_at IS NULL AND revoked_at IS NULL
              AND expires_at <= :now
            """)
        .param("org", org)
        .param("email", email)
        .param("now", ts(now))
        .update();
    UUID id = UUID.randomUUID();
    String token = Secrets.newInvitationToken();
    int inserted =
        jdbc.sql(
                """
                INSERT INTO invitations
                  (id, org_id, email, role, token_hash, invited_by, created_at, expires_at)
                VALUES (:id, :org, :email, :role, :hash, :by, :now, :expires)
                ON CONFLICT (org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL
                DO NOTHING
                """)
            .param("id", id)
            .param("org", org)
            .param("email", email)
            .param("role", role)
            .param("hash", TokenDigest.sha256(token))
            .param("by", invitedBy)
            .param("now", ts(now))
            .param("expires", ts(now.plus(VALIDITY)))
            .update();
    if (inserted == 0) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "This e-mail is already invited: resend or revoke that invitation instead.");
    }
    Invitation invitation = new Invitation(id, email, role, now.plus(VALIDITY));
    audit.orgByUser(invitedBy, org, AuditAction.INVITATION_CREATED, email + " as " + role);
    mail(org, invitation, token, invitedBy);
    return invitation;
  }

  /** The org's pending invitations (not accepted, revoked or expired), oldest first. */
  List<Invitation> pending(UUID org) {
    return jdbc.sql(
            """
            SELECT id, email, role, expires_at FROM invitations
            WHERE org_id = :org AND accepted_at IS NULL AND revoked_at IS NULL
              AND expires_at > :now
            ORDER BY created_at, email
            """)
        .param("org", org)
        .param("now", ts(clock.instant()))
        .query(Invitations::invitation)
        .list();
  }

  /**
   * Revokes a pending invitation of the org: its link stops working at once.
   *
   * @throws ApiException 404 for an id that is not an open invitation of this org
   */
  @Transactional
  void revoke(UUID org, String invitationId, UUID by) {
    UUID id = parse(invitationId);
    String email =
        jdbc.sql(
                """
                UPDATE invitations SET revoked_at = :now
                WHERE id = :id AND org_id = :org AND accepted_at IS NULL AND revoked_at IS NULL
                RETURNING email
                """)
            .param("now", ts(clock.instant()))
            .param("id", id)
            .param("org", org)
            .query(String.class)
            .optional()
            .orElseThrow(() -> ApiException.notFound("The invitation"));
    audit.orgByUser(by, org, AuditAction.INVITATION_REVOKED, email);
  }

  /**
   * Mails an open invitation again with a fresh token (the old link stops working) and a fresh
   * {@value #VALID_DAYS}-day validity, so an expired one can be renewed too.
   *
   * @throws ApiException 404 for an id that is not an open invitation of this org; 503 if the
   *     e-mail could not be sent (then the old link keeps working)
   */
  @Transactional
  Invitation resend(UUID org, String invitationId, UUID by) {
    UUID id = parse(invitationId);
    requireMail();
    String token = Secrets.newInvitationToken();
    Instant now = clock.instant();
    Invitation invitation =
        jdbc.sql(
                """
                UPDATE invitations SET token_hash = :hash, expires_at = :expires
                WHERE id = :id AND org_id = :org AND accepted_at IS NULL AND revoked_at IS NULL
                RETURNING id, email, role, expires_at
                """)
            .param("hash", TokenDigest.sha256(token))
            .param("expires", ts(now.plus(VALIDITY)))
            .param("id", id)
            .param("org", org)
            .query(Invitations::invitation)
            .optional()
            .orElseThrow(() -> ApiException.notFound("The invitation"));
    audit.orgByUser(by, org, AuditAction.INVITATION_RESENT, invitation.email());
    mail(org, invitation, token, by);
    return invitation;
  }

  /**
   * Accepts the invitation whose link carried {@code token}, for {@code user}, who joins its org
   * with its role. A user who already belongs to the org keeps their role (an invitation never
   * demotes). The invitation is used up either way.
   *
   * @throws ApiException 404 for a used, revoked, expired or unknown token
   */
  @Transactional
  public Joined accept(String token, UUID user) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw ApiException.notFound("The invitation");
    }
    Instant now = clock.instant();
    // One conditional UPDATE: a concurrent accept of the same token waits for this row's lock,
    // then finds accepted_at set and matches nothing.
    record Used(UUID org, String role, String email) {}
    Used used =
        jdbc.sql(
                """
                UPDATE invitations SET accepted_at = :now, accepted_by = :user
                WHERE token_hash = :hash AND accepted_at IS NULL AND revoked_at IS NULL
                  AND expires_at > :now
                  AND EXISTS (SELECT 1 FROM orgs o WHERE o.id = invitations.org_id
                              AND o.deleted_at IS NULL)
                RETURNING org_id, role, email
                """)
            .param("now", ts(now))
            .param("user", user)
            .param("hash", TokenDigest.sha256(token))
            .query(
                (rs, n) -> new Used(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)))
            .optional()
            .orElseThrow(() -> ApiException.notFound("The invitation"));
    jdbc.sql(
            "INSERT INTO memberships (org_id, user_id, role) VALUES (:org, :user, :role)"
                + " ON CONFLICT (org_id, user_id) DO NOTHING")
        .param("org", used.org())
        .param("user", user)
        .param("role", used.role())
        .update();
    audit.orgByUser(user, used.org(), AuditAction.INVITATION_ACCEPTED, used.email());
    // The token came to this address: if it is the user's own, it is proven theirs.
    verification.markVerified(user, used.email());
    return jdbc.sql(
            """
            SELECT o.id, o.slug, o.name, m.role FROM orgs o
            JOIN memberships m ON m.org_id = o.id AND m.user_id = :user WHERE o.id = :org
            """)
        .param("org", used.org())
        .param("user", user)
        .query(
            (rs, n) ->
                new Joined(
                    rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4)))
        .single();
  }

  /** The pending invitation behind a token, for the accept page; empty if it is not pending. */
  Optional<Preview> preview(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return Optional.empty();
    }
    return jdbc.sql(
            """
            SELECT o.name, i.email, i.role FROM invitations i JOIN orgs o ON o.id = i.org_id
            WHERE i.token_hash = :hash AND i.accepted_at IS NULL AND i.revoked_at IS NULL
              AND i.expires_at > :now AND o.deleted_at IS NULL
            """)
        .param("hash", TokenDigest.sha256(token))
        .param("now", ts(clock.instant()))
        .query((rs, n) -> new Preview(rs.getString(1), rs.getString(2), rs.getString(3)))
        .optional();
  }

  private void requireMail() {
    if (!mailer.configured()) {
      throw new ApiException(
          ErrorCode.UNAVAILABLE,
          "Invitations cannot be sent: no mail server is configured (spring.mail.host).");
    }
  }

  private void mail(UUID org, Invitation invitation, String token, UUID by) {
    String orgName =
        jdbc.sql("SELECT name FROM orgs WHERE id = :org")
            .param("org", org)
            .query(String.class)
            .single();
    String inviter =
        jdbc.sql("SELECT coalesce(name, email) FROM users WHERE id = :id")
            .param("id", by)
            .query(String.class)
            .optional()
            .orElse("Someone");
    String link = publicUrl + "/invitations/accept?token=" + token;
    String text =
        """
        %s invited you to join the organization "%s" on Upbeat as %s.

        To accept, open this link (it works once, until %s):

        %s

        If you did not expect this invitation, ignore this e-mail: nothing happens unless the \
        link is opened.
        """
            .formatted(
                inviter,
                orgName,
                "owner".equals(invitation.role()) ? "an owner" : "a member",
                DAY.format(invitation.expiresAt()),
                link);
    try {
      mailer.send(invitation.email(), "Join " + singleLine(orgName) + " on Upbeat", text);
    } catch (MailNotSent e) {
      log.warn("Invitation e-mail for org {} not sent: {}", org, e.getMessage());
      throw new ApiException(
          ErrorCode.UNAVAILABLE,
          "The invitation e-mail could not be sent, so nothing was saved; try again later.");
    }
  }

  private static String singleLine(String s) {
    return s.replaceAll("\\p{Cntrl}", " ");
  }

  private static UUID parse(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("The invitation");
    }
  }

  private static Invitation invitation(ResultSet rs, int row) throws SQLException {
    return new Invitation(
        rs.getObject(1, UUID.class),
        rs.getString(2),
        rs.getString(3),
        rs.getTimestamp(4).toInstant());
  }

  private static java.sql.Timestamp ts(Instant instant) {
    return java.sql.Timestamp.from(instant);
  }
}
