package io.upbeat.api.ownership;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** An app's ownership rules text, one row per app; no row means no rules. */
@Repository
class OwnershipStore {
  private final JdbcClient jdbc;

  OwnershipStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
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
  Stored save(UUID app, String rules, Instant now) {
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
