package io.upbeat.api.apps;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.alerts.DefaultRules;
import io.upbeat.api.apps.AppsController.App;
import io.upbeat.api.apps.AppsController.CreatedApp;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.CurrentUser;
import io.upbeat.api.security.Secrets;
import io.upbeat.api.tokens.TokenOutbox;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.TokenDigest;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorCode;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Apps and their tokens. Token values leave only in the response that creates them. */
@Service
class AppService {
  private final JdbcClient jdbc;
  private final TokenOutbox outbox;
  private final Clock clock;
  private final MeterRegistry meters;
  private final AuditLog audit;

  private final DefaultRules defaultRules;

  AppService(
      JdbcClient jdbc,
      TokenOutbox outbox,
      Clock clock,
      MeterRegistry meters,
      AuditLog audit,
      DefaultRules defaultRules) {
    this.defaultRules = defaultRules;
    this.audit = audit;
    this.jdbc = jdbc;
    this.outbox = outbox;
    this.clock = clock;
    this.meters = meters;
  }

  @Transactional
  CreatedApp create(UUID orgId, String name, CurrentUser actor) {
    UUID appId = UUID.randomUUID();
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    int inserted =
        jdbc.sql(
                "INSERT INTO apps (id, org_id, name, created_at) VALUES (:id, :org, :name, :at)"
                    + " ON CONFLICT (org_id, name) WHERE deleted_at IS NULL DO NOTHING")
            .param("id", appId)
            .param("org", orgId)
            .param("name", name)
            .param("at", Timestamp.from(now))
            .update();
    if (inserted == 0) {
      throw new ApiException(ErrorCode.CONFLICT, "This organization already has an app named so.");
    }
    String secret = issue(appId, AppTokenRecord.SECRET, now);
    String ci = issue(appId, AppTokenRecord.CI, now);
    defaultRules.create(appId);
    audit.org(actor, orgId, AuditAction.APP_CREATED, name);
    meters.counter("upbeat.apps.created").increment();
    return new CreatedApp(appId, name, orgId, now, secret, ci);
  }

  @Transactional
  String rotate(AppAccess app, String kind, CurrentUser actor) {
    UUID appId = app.id();
    audit.org(actor, app.orgId(), AuditAction.TOKEN_ROTATED, app.name() + " (" + kind + " token)");
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    // Concurrent rotations of one app take turns, so exactly one token per kind stays live.
    jdbc.sql("SELECT id FROM apps WHERE id = :app FOR UPDATE")
        .param("app", appId)
        .query()
        .listOfRows();
    List<byte[]> old =
        jdbc.sql(
                """
                UPDATE app_tokens SET revoked_at = :now
                WHERE app_id = :app AND kind = :kind AND revoked_at IS NULL
                RETURNING token_hash
                """)
            .param("now", Timestamp.from(now))
            .param("app", appId)
            .param("kind", kind)
            .query((rs, n) -> rs.getBytes(1))
            .list();
    old.forEach(hash -> outbox.revoked(hash, appId, kind, now));
    String token = issue(appId, kind, now);
    meters.counter("upbeat.tokens.rotated", "kind", kind).increment();
    return token;
  }

  List<App> visibleTo(UUID userId) {
    return jdbc.sql(
            """
            SELECT a.id, a.name, a.org_id, a.created_at FROM apps a
            JOIN memberships m ON m.org_id = a.org_id AND m.user_id = :user
            WHERE a.deleted_at IS NULL
            ORDER BY a.created_at, a.id
            """)
        .param("user", userId)
        .query(
            (rs, n) ->
                new App(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getObject(3, UUID.class),
                    rs.getTimestamp(4).toInstant()))
        .list();
  }

  private String issue(UUID appId, String kind, Instant now) {
    String token =
        AppTokenRecord.SECRET.equals(kind) ? Secrets.newSecretToken() : Secrets.newCiToken();
    byte[] hash = TokenDigest.sha256(token);
    jdbc.sql(
            """
            INSERT INTO app_tokens (id, app_id, kind, token_hash, created_at)
            VALUES (:id, :app, :kind, :hash, :at)
            """)
        .param("id", UUID.randomUUID())
        .param("app", appId)
        .param("kind", kind)
        .param("hash", hash)
        .param("at", Timestamp.from(now))
        .update();
    outbox.issued(hash, appId, kind, now);
    return token;
  }
}
