package io.upbeat.api.deletion;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.access.AccessControl;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.tokens.TokenOutbox;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody;
import io.upbeat.support.web.ErrorCode;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Deleting an app, an org or a user: what must hold the moment the request is answered, in one
 * transaction. The resource is hidden ({@code deleted_at}, which {@link AccessControl} and every
 * list check), the app's tokens are revoked (CI calls are refused at once, intake learns of it
 * through the token outbox within seconds) and a purge job is queued; {@link PurgeWorker} removes
 * the rows afterwards. A user is removed at once (their rows are few): keys, sessions and
 * memberships go with the row, and orgs where they are the only member are deleted with them.
 */
@Service
class Deletions {
  private final JdbcClient jdbc;
  private final AccessControl access;
  private final TokenOutbox outbox;
  private final Clock clock;
  private final MeterRegistry meters;
  private final AuditLog audit;

  Deletions(
      JdbcClient jdbc,
      AccessControl access,
      TokenOutbox outbox,
      Clock clock,
      MeterRegistry meters,
      AuditLog audit) {
    this.audit = audit;
    this.jdbc = jdbc;
    this.access = access;
    this.outbox = outbox;
    this.clock = clock;
    this.meters = meters;
  }

  /** Deletes an app for one of its org's owners; 403 for other members, 404 for everybody else. */
  @Transactional
  UUID deleteApp(CurrentUser user, String appId) {
    AppAccess app = access.appAsOwner(user, appId);
    if (!markAppDeleted(app.id(), user.id(), now())) {
      throw ApiException.notFound("The app"); // deleted concurrently
    }
    audit.org(user, app.orgId(), AuditAction.APP_DELETED, app.name());
    meters.counter("upbeat.deletion.requested", "kind", "app").increment();
    return app.id();
  }

  /** Deletes an org and all its apps for one of its owners. */
  @Transactional
  UUID deleteOrg(CurrentUser user, String orgId) {
    UUID org = access.orgAsOwner(user, orgId).orgId();
    if (!markOrgDeleted(org, user.id(), now())) {
      throw ApiException.notFound("The organization");
    }
    audit.org(user, org, AuditAction.ORG_DELETED, orgName(org));
    meters.counter("upbeat.deletion.requested", "kind", "org").increment();
    return org;
  }

  /**
   * Deletes the caller's account. Orgs where they are the only member are deleted with them; if
   * they are the last owner of an org that has other members, nothing happens: 409, they must make
   * someone else an owner (or delete the org) first, so no org is left without an owner.
   */
  @Transactional
  UUID deleteUser(CurrentUser user) {
    Instant now = now();
    boolean exists =
        !jdbc.sql("SELECT id FROM users WHERE id = :user FOR UPDATE")
            .param("user", user.id())
            .query()
            .listOfRows()
            .isEmpty();
    if (!exists) {
      throw ApiException.notFound("The account");
    }
    // The user's orgs, locked so that no membership changes under the decision below.
    List<MyOrg> orgs =
        jdbc.sql(
                """
                SELECT o.id, o.name, m.role,
                       (SELECT count(*) FROM memberships x WHERE x.org_id = o.id),
                       (SELECT count(*) FROM memberships x WHERE x.org_id = o.id AND x.role = 'owner')
                FROM memberships m JOIN orgs o ON o.id = m.org_id
                WHERE m.user_id = :user AND o.deleted_at IS NULL
                ORDER BY o.created_at, o.id
                FOR UPDATE OF o
                """)
            .param("user", user.id())
            .query(
                (rs, n) ->
                    new MyOrg(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5)))
            .list();
    List<ErrorBody.Detail> blocking = new ArrayList<>();
    for (MyOrg o : orgs) {
      if (o.members() > 1 && AccessControl.OWNER.equals(o.role()) && o.owners() == 1) {
        blocking.add(
            new ErrorBody.Detail(
                "org_id",
                o.id() + ": you are the last owner of " + o.name() + ", which has other members"));
      }
    }
    if (!blocking.isEmpty()) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "Transfer ownership first: make another member an owner of each organization listed,"
              + " or delete it, then delete the account.",
          blocking);
    }
    for (MyOrg o : orgs) {
      if (o.members() == 1) {
        markOrgDeleted(o.id(), user.id(), now);
        audit.org(user, o.id(), AuditAction.ORG_DELETED, o.name());
      } else {
        audit.org(user, o.id(), AuditAction.USER_DELETED, user.email());
      }
    }
    jdbc.sql("DELETE FROM memberships WHERE user_id = :user").param("user", user.id()).update();
    jdbc.sql("DELETE FROM api_keys WHERE user_id = :user").param("user", user.id()).update();
    // Browser sessions, wherever they are: Spring Session indexes them by the principal's name,
    // which holds the user's id.
    jdbc.sql("DELETE FROM spring_session WHERE principal_name LIKE :pattern")
        .param("pattern", "%" + user.id() + "%")
        .update();
    jdbc.sql("DELETE FROM users WHERE id = :user").param("user", user.id()).update();
    meters.counter("upbeat.deletion.requested", "kind", "user").increment();
    return user.id();
  }

  /** The name of an org the caller may see (checked by the caller). */
  String orgName(UUID org) {
    return jdbc.sql("SELECT name FROM orgs WHERE id = :org")
        .param("org", org)
        .query(String.class)
        .single();
  }

  private record MyOrg(UUID id, String name, String role, long members, long owners) {}

  /** Hides the org, removes its memberships and deletes its apps; false if it was deleted. */
  boolean markOrgDeleted(UUID org, UUID by, Instant now) {
    int hidden =
        jdbc.sql("UPDATE orgs SET deleted_at = :now WHERE id = :org AND deleted_at IS NULL")
            .param("now", Timestamp.from(now))
            .param("org", org)
            .update();
    if (hidden == 0) {
      return false;
    }
    deleteLiveApps(org, by, now);
    jdbc.sql("DELETE FROM memberships WHERE org_id = :org").param("org", org).update();
    queue("org", org, by, now);
    return true;
  }

  /**
   * Deletes the org's apps that are not deleted yet: at the org's deletion, and again by its purge
   * job, for an app created while the org was being deleted.
   */
  void deleteLiveApps(UUID org, UUID by, Instant now) {
    List<UUID> apps =
        jdbc.sql("SELECT id FROM apps WHERE org_id = :org AND deleted_at IS NULL FOR UPDATE")
            .param("org", org)
            .query(UUID.class)
            .list();
    apps.forEach(app -> markAppDeleted(app, by, now));
  }

  /**
   * Hides the app, records it for processors, revokes its tokens (and its scrubbing keys) through
   * the outboxes and queues its purge; false if it was deleted already.
   */
  boolean markAppDeleted(UUID app, UUID by, Instant now) {
    List<UUID> hidden =
        jdbc.sql(
                """
                UPDATE apps SET deleted_at = :now WHERE id = :app AND deleted_at IS NULL
                RETURNING org_id
                """)
            .param("now", Timestamp.from(now))
            .param("app", app)
            .query(UUID.class)
            .list();
    if (hidden.isEmpty()) {
      return false;
    }
    jdbc.sql(
            """
            INSERT INTO deleted_apps (app_id, org_id, deleted_at) VALUES (:app, :org, :now)
            ON CONFLICT (app_id) DO NOTHING
            """)
        .param("app", app)
        .param("org", hidden.getFirst())
        .param("now", Timestamp.from(now))
        .update();
    jdbc.sql(
            """
            UPDATE app_tokens SET revoked_at = :now
            WHERE app_id = :app AND revoked_at IS NULL
            RETURNING token_hash, kind
            """)
        .param("now", Timestamp.from(now))
        .param("app", app)
        .query((rs, n) -> new Revoked(rs.getBytes(1), rs.getString(2)))
        .list()
        .forEach(t -> outbox.revoked(t.hash(), app, t.kind(), now));
    // Intake forgets the app's own scrubbing keys too: the publisher sends a hidden app's as a
    // tombstone.
    jdbc.sql(
            """
            INSERT INTO app_scrubbing_outbox (app_id)
            SELECT id FROM apps WHERE id = :app AND cardinality(scrubbing_keys) > 0
            """)
        .param("app", app)
        .update();
    queue("app", app, by, now);
    return true;
  }

  private record Revoked(byte[] hash, String kind) {}

  private void queue(String kind, UUID target, UUID by, Instant now) {
    jdbc.sql(
            """
            INSERT INTO deletion_jobs (kind, target_id, requested_by, created_at, run_after)
            VALUES (:kind, :target, :by, :now, :now)
            ON CONFLICT (kind, target_id) DO NOTHING
            """)
        .param("kind", kind)
        .param("target", target)
        .param("by", by)
        .param("now", Timestamp.from(now))
        .update();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
