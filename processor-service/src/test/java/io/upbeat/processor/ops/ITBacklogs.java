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

    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    Instant hour = NOW.minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    // App a's hour has two markers (two partitions wrote it): one unit, as old as its first mark.
    mark("1h", a, hour, 0, NOW.minusSeconds(3 * 3600));
    mark("1h", a, hour, 1, NOW.minusSeconds(600));
    mark("1h", b, hour, 3, NOW.minusSeconds(1800));
    mark("1d", a, hour.truncatedTo(java.time.temporal.ChronoUnit.DAYS), 5, NOW.minusSeconds(86400));
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1h")).isEqualTo(2);
    assertThat(gauge("upbeat.processor.rollup.backlog.oldest", "level", "1h")).isEqualTo(3 * 3600);
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1d")).isEqualTo(1);
    assertThat(gauge("upbeat.processor.rollup.backlog.oldest", "level", "1d")).isEqualTo(86400);

    execute("DELETE FROM rollup_pending WHERE level = '1h'", null);
    backlogs.refresh();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1h")).isZero();
    assertThat(gauge("upbeat.processor.rollup.backlog", "level", "1d")).isEqualTo(1);
  }

  private void mark(String level, UUID app, Instant bucket, int source, Instant markedAt)
      throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "INSERT INTO rollup_pending (level, app_id, bucket, source, marked_at)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
      st.setString(1, level);
      st.setObject(2, app);
      st.setTimestamp(3, Timestamp.from(bucket));
      st.setInt(4, source);
      st.setTimestamp(5, Timestamp.from(markedAt));
      st.executeUpdate();
    }
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
