package io.upbeat.api.scrubbing;

import io.upbeat.api.access.AccessControl.AppAccess;
import io.upbeat.api.audit.AuditAction;
import io.upbeat.api.audit.AuditLog;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores an app's own scrubbing keys ({@code apps.scrubbing_keys}) and, in the same transaction,
 * records the change in {@code app_scrubbing_outbox}: the token publisher delivers the app's
 * current keys to the compacted app-token topic intake follows, so intake never reads PostgreSQL
 * per request and a change reaches it within the publisher's interval (250 ms by default). The
 * change is audited ({@code app.scrubbing_keys_changed}) in the same transaction.
 */
@Component
class ScrubbingSettings {
  /** The audit log's limit on a target. */
  private static final int MAX_TARGET = 1000;

  private final JdbcClient jdbc;
  private final AuditLog audit;

  ScrubbingSettings(JdbcClient jdbc, AuditLog audit) {
    this.jdbc = jdbc;
    this.audit = audit;
  }

  List<String> keys(UUID app) {
    return jdbc.sql("SELECT scrubbing_keys FROM apps WHERE id = :app")
        .param("app", app)
        .query((rs, n) -> Arrays.asList((String[]) rs.getArray(1).getArray()))
        .optional()
        .map(List::copyOf)
        .orElse(List.of());
  }

  @Transactional
  void save(Object actor, AppAccess app, List<String> keys) {
    jdbc.sql("UPDATE apps SET scrubbing_keys = :keys WHERE id = :app")
        .param("keys", keys.toArray(String[]::new))
        .param("app", app.id())
        .update();
    jdbc.sql("INSERT INTO app_scrubbing_outbox (app_id) VALUES (:app)")
        .param("app", app.id())
        .update();
    String target =
        app.name() + ": " + (keys.isEmpty() ? "defaults only" : String.join(", ", keys));
    if (target.length() > MAX_TARGET) {
      int cut = MAX_TARGET - 1;
      if (Character.isHighSurrogate(target.charAt(cut - 1))) {
        cut--;
      }
      target = target.substring(0, cut) + "\u2026";
    }
    audit.org(actor, app.orgId(), AuditAction.SCRUBBING_KEYS_CHANGED, target);
  }
}
