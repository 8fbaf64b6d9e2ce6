package io.upbeat.processor.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The backlog gauges follow the rows waiting in PostgreSQL, and the age of the oldest. */
class ITBacklogs {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final Instant NOW = Instant.parse("2026-03-02T10:30:00Z");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private DataSource db;
  private Backlogs backlogs;

  @BeforeEach
  void setUp() {
    db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    backlogs = new Backlogs(db, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(5), meters);
  }

  @Test
  void rollupBacklogMovesWithTheDirtyBuckets() throws Exception {
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1h")).isZero();
    assertThat(gauge("upbeat.processor.rollup.backlog.oldest", "level", "1h")).isZero();

    execute(
        "INSERT INTO rollup_dirty (level, bucket) VALUES ('1h', ?)", NOW.minusSeconds(3 * 3600));
    execute("INSERT INTO rollup_dirty (level, bucket) VALUES ('1h', ?)", NOW.minusSeconds(1800));
    execute("INSERT INTO rollup_dirty (level, bucket) VALUES ('1d', ?)", NOW.minusSeconds(86400));
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1h")).isEqualTo(2);
    assertThat(gauge("upbeat.processor.rollup.backlog.oldest", "level", "1h")).isEqualTo(3 * 3600);
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1d")).isEqualTo(1);
    assertThat(gauge("upbeat.processor.rollup.backlog.oldest", "level", "1d")).isEqualTo(86400);

    execute("DELETE FROM rollup_dirty WHERE level = '1h'", null);
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1h")).isZero();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1d")).isEqualTo(1);
  }

  @Test
  void notificationBacklogCountsUndispatchedNotificationsAndPendingDeliveries() throws Exception {
    UUID first = notification(NOW.minusSeconds(600));
    notification(NOW.minusSeconds(60));
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.notifications.backlog", "stage", "dispatch")).isEqualTo(2);
    assertThat(gauge("upbeat.processor.notifications.backlog.oldest", "stage", "dispatch"))
        .isEqualTo(600);
    assertThat(gauge("upbeat.processor.notifications.backlog", "stage", "delivery")).isZero();

    // Dispatched: one delivery pending, one already delivered.
    execute("UPDATE notifications SET dispatched_at = now() WHERE id = ?", first);
    delivery(first, "ops@example.com", "pending", NOW.minusSeconds(300));
    delivery(first, "dev@example.com", "delivered", NOW.minusSeconds(300));
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.notifications.backlog", "stage", "dispatch")).isEqualTo(1);
    assertThat(gauge("upbeat.processor.notifications.backlog.oldest", "stage", "dispatch"))
        .isEqualTo(60);
    assertThat(gauge("upbeat.processor.notifications.backlog", "stage", "delivery")).isEqualTo(1);
    assertThat(gauge("upbeat.processor.notifications.backlog.oldest", "stage", "delivery"))
        .isEqualTo(300);
  }

  private UUID notification(Instant createdAt) throws Exception {
    UUID id = UUID.randomUUID();
    try (Connection c = db.getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "INSERT INTO notifications (id, app_id, kind, payload, created_at)"
                    + " VALUES (?, ?, 'new_error', '{}'::jsonb, ?)")) {
      st.setObject(1, id);
      st.setObject(2, UUID.randomUUID());
      st.setTimestamp(3, Timestamp.from(createdAt));
      st.executeUpdate();
    }
    return id;
  }

  private void delivery(UUID notification, String channel, String status, Instant createdAt)
      throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "INSERT INTO notification_deliveries (notification_id, channel, status, created_at)"
                    + " VALUES (?, ?, ?, ?)")) {
      st.setObject(1, notification);
      st.setString(2, channel);
      st.setString(3, status);
      st.setTimestamp(4, Timestamp.from(createdAt));
      st.executeUpdate();
    }
  }

  private void execute(String sql, Object param) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement st = c.prepareStatement(sql)) {
      if (param instanceof Instant i) {
        st.setTimestamp(1, Timestamp.from(i));
      } else if (param != null) {
        st.setObject(1, param);
      }
      st.executeUpdate();
    }
  }

  private double gauge(String name, String tag, String value) {
    return meters.get(name).tag(tag, value).gauge().value();
  }
}
