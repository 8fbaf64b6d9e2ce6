package io.upbeat.api.audit;

import io.upbeat.api.params.Times;
import io.upbeat.api.security.CiCaller;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.web.ClientAddress;
import java.time.Clock;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Records who did what, when and from which address. Called by the code that makes the change,
 * inside its transaction, so an action is recorded exactly when it happened (a change that rolls
 * back leaves no record, and no change commits without one). The client address is the current
 * request's ({@link ClientAddress}).
 */
@Component
public class AuditLog {
  /** The actor of a request without a signed-in user (a failed sign-in). */
  public static final String ANONYMOUS = "anonymous";

  private final JdbcClient jdbc;
  private final Clock clock;
  private final ClientAddress address;

  AuditLog(JdbcClient jdbc, Clock clock, ClientAddress address) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.address = address;
  }

  /** Something a user (or CI) did in an org. */
  public void org(Object actor, UUID org, AuditAction action, String target) {
    insert(org, null, actorName(actor), action, target);
  }

  /** Something the user with id {@code actor} did in an org (their e-mail is looked up). */
  public void orgByUser(UUID actor, UUID org, AuditAction action, String target) {
    String email =
        jdbc.sql("SELECT email FROM users WHERE id = :user")
            .param("user", actor)
            .query(String.class)
            .optional()
            .orElse(ANONYMOUS);
    insert(org, null, email, action, target);
  }

  /**
   * Something that concerns one account rather than an org (sign-in failures, API keys); the owners
   * of every org the account belongs to see it.
   */
  public void account(UUID user, String actor, AuditAction action, String target) {
    insert(null, user, actor, action, target);
  }

  /**
   * A failed sign-in for {@code email}: recorded for the account with that e-mail, if there is one
   * (guesses at addresses nobody has are only counted by the throttle).
   */
  public void signInFailed(String email) {
    jdbc.sql(
            """
            INSERT INTO audit_events (at, org_id, user_id, actor, action, target, address)
            SELECT :at, NULL, id, :actor, :action, email, :address FROM users
            WHERE lower(email) = lower(:email)
            """)
        .param("at", Times.bind(clock.instant()))
        .param("actor", ANONYMOUS)
        .param("action", AuditAction.SIGN_IN_FAILED.code())
        .param("email", email)
        .param("address", clip(address.current().orElse(null), 100))
        .update();
  }

  private void insert(UUID org, UUID user, String actor, AuditAction action, String target) {
    jdbc.sql(
            """
            INSERT INTO audit_events (at, org_id, user_id, actor, action, target, address)
            VALUES (:at, :org, :user, :actor, :action, :target, :address)
            """)
        .param("at", Times.bind(clock.instant()))
        .param("org", org)
        .param("user", user)
        .param("actor", clip(actor, 400))
        .param("action", action.code())
        .param("target", clip(target, 1000))
        .param("address", clip(address.current().orElse(null), 100))
        .update();
  }

  /** The name an actor is recorded under. */
  public static String actorName(Object actor) {
    if (actor instanceof CurrentUser u) {
      return u.email();
    }
    if (actor instanceof CiCaller ci) {
      return "ci:" + ci.appId();
    }
    return ANONYMOUS;
  }

  private static String clip(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }
}
