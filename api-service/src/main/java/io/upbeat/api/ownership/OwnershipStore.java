package io.upbeat.api.ownership;

import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import io.upbeat.api.security.CurrentUser;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** An app's ownership rules text, one row per app; no row means no rules. */
@Repository
class OwnershipStore {
  private final JdbcClient jdbc;
  private final AuditLog audit;

  OwnershipStore(JdbcClient jdbc, AuditLog audit) {
    this.jdbc = jdbc;
    this.audit = audit;
  }

  /** The rules exactly as they were written, and when. */
  record Stored(String rules, Instant updatedAt) {
    static final Stored NONE = new Stored("", null);
  }

  Stored find(UUID app) {
    return jdbc.sql("SELECT rules, updated_at FROM ownership_rules WHERE app_id = :app")
        .param("app", app)
        .query((rs, n) -> new Stored(rs.getString(1), rs.getTimestamp(2).toInstant()))
        .optional()
        .orElse(Stored.NONE);
  }

  /**
   * Replaces the app's rules in one statement (concurrent writers: the last one wins whole); empty
   * text removes them.
   */
  @Transactional
  Stored save(AppAccess target, String rules, Instant now, CurrentUser actor) {
    UUID app = target.id();
    audit.org(
        actor,
        target.orgId(),
        AuditAction.OWNERSHIP_RULES_CHANGED,
        target.name()
            + (rules.isEmpty() ? " (removed)" : " (" + rules.lines().count() + " lines)"));
    if (rules.isEmpty()) {
      jdbc.sql("DELETE FROM ownership_rules WHERE app_id = :app").param("app", app).update();
      return Stored.NONE;
    }
    return jdbc.sql(
            """
            INSERT INTO ownership_rules (app_id, rules, updated_at) VALUES (:app, :rules, :now)
            ON CONFLICT (app_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at
            RETURNING rules, updated_at
            """)
        .param("app", app)
        .param("rules", rules)
        .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
        .query((rs, n) -> new Stored(rs.getString(1), rs.getTimestamp(2).toInstant()))
        .single();
  }
}
