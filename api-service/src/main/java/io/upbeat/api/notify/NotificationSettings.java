package io.upbeat.api.notify;

import io.upbeat.storage.notify.NotificationKind;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * A user's choice of notification e-mails: which kinds, and which apps they muted. Without a
 * choice, every kind of every app of their orgs (as owners or assignees) reaches them.
 */
@Component
class NotificationSettings {
  /**
   * The kinds a person chooses among. Not {@code alert}: an alert rule names its own recipients, so
   * a person's settings only mute its app (docs/api.md, "Alert rules").
   */
  static final List<String> ALL_KINDS =
      Arrays.stream(NotificationKind.values())
          .filter(k -> k != NotificationKind.ALERT)
          .map(NotificationKind::code)
          .toList();

  private final JdbcClient jdbc;

  NotificationSettings(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** One user's settings. */
  record Settings(List<String> kinds, List<UUID> mutedApps) {}

  Settings of(UUID user) {
    List<String> kinds =
        jdbc.sql("SELECT kinds FROM notification_settings WHERE user_id = :user")
            .param("user", user)
            .query((rs, n) -> List.of((String[]) rs.getArray(1).getArray()))
            .optional()
            .orElse(ALL_KINDS);
    List<UUID> muted =
        jdbc.sql(
                """
                SELECT m.app_id FROM notification_app_mutes m JOIN apps a ON a.id = m.app_id
                JOIN memberships ms ON ms.org_id = a.org_id AND ms.user_id = m.user_id
                WHERE m.user_id = :user AND a.deleted_at IS NULL ORDER BY a.name, a.id
                """)
            .param("user", user)
            .query(UUID.class)
            .list();
    return new Settings(ALL_KINDS.stream().filter(kinds::contains).toList(), muted);
  }

  /**
   * Replaces the user's settings. The apps are ids the caller may see (checked by the caller);
   * duplicates collapse.
   */
  @Transactional
  Settings save(UUID user, Set<String> kinds, Set<UUID> mutedApps) {
    jdbc.sql(
            """
            INSERT INTO notification_settings (user_id, kinds, updated_at) VALUES (:user, :kinds, now())
            ON CONFLICT (user_id) DO UPDATE SET kinds = EXCLUDED.kinds, updated_at = now()
            """)
        .param("user", user)
        .param("kinds", ALL_KINDS.stream().filter(kinds::contains).toArray(String[]::new))
        .update();
    jdbc.sql("DELETE FROM notification_app_mutes WHERE user_id = :user")
        .param("user", user)
        .update();
    for (UUID app : mutedApps) {
      jdbc.sql("INSERT INTO notification_app_mutes (user_id, app_id) VALUES (:user, :app)")
          .param("user", user)
          .param("app", app)
          .update();
    }
    return of(user);
  }

  /** The apps {@code user} may see, by id, for validating a choice. */
  Set<UUID> visibleApps(UUID user) {
    return jdbc
        .sql(
            "SELECT a.id FROM apps a JOIN memberships m ON m.org_id = a.org_id"
                + " WHERE m.user_id = :user AND a.deleted_at IS NULL")
        .param("user", user)
        .query(UUID.class)
        .list()
        .stream()
        .collect(Collectors.toSet());
  }
}
