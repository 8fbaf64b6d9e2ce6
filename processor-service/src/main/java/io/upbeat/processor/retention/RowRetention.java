package io.upbeat.processor.retention;

import io.upbeat.processor.tail.RecordedTraces;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Deletes the rows past their retention from the tables that grow with use and are not partitioned
 * by time (those are dropped a partition at a time: the minute, hour and day metrics, error counts
 * and users, samples). {@code destination_metrics_1m} (the service map's edges, small enough not to
 * be partitioned) goes with the minute metrics' retention. Each statement deletes at most a batch
 * of the oldest expired rows, found by an index on the row's time (V29), in a transaction of its
 * own, so its locks and WAL stay small and readers and writers are never held up for long.
 * Processors running this at the same moment never fight over rows: each batch locks its rows with
 * {@code FOR UPDATE SKIP LOCKED}, so two batches take disjoint rows, and neither waits for the
 * other.
 *
 * <p>Not here: {@code audit_events}, kept one year by api-service's AuditRetention (its trigger
 * refuses to delete younger rows); {@code error_occurrences}, capped at the newest 100 per group by
 * the errors pipeline; {@code txn_orphan_spans}, expired by the samples pipeline.
 */
final class RowRetention {
  /**
   * How long a trace recorded for the tail decision ({@code tail_traces}) is kept: it is only read
   * while the tail pipeline may still meet the trace's records, a window (30 s) behind real time,
   * plus its lag after an outage. A trace decided again after this is recorded again.
   */
  static final Duration TAIL_TRACES_KEEP = RecordedTraces.KEEP;

  /** One table's expiry: a batch statement, its parameters the cutoff and the batch size. */
  record Expiry(String table, Duration keep, String sql) {}

  private final DataSource dataSource;
  private final List<Expiry> expiries;
  private final int batchSize;
  private final int maxBatches;

  /** The retention of each table, and how much one statement and one run delete at most. */
  record Settings(
      Duration errorHourly,
      Duration notifications,
      Duration alertEvents,
      Duration destinationMetrics,
      int batchSize,
      int maxBatches) {}

  RowRetention(DataSource dataSource, Settings settings) {
    this.dataSource = dataSource;
    this.batchSize = settings.batchSize();
    this.maxBatches = settings.maxBatches();
    this.expiries =
        List.of(
            new Expiry(
                "error_hourly",
                settings.errorHourly(),
                """
                DELETE FROM error_hourly WHERE (group_id, hour) IN (
                  SELECT group_id, hour FROM error_hourly WHERE hour < ?
                  ORDER BY hour LIMIT ? FOR UPDATE SKIP LOCKED)
                """),
            // Deliveries before their notifications, so deleting a notification cascades to
            // (almost) nothing and each statement stays within its batch.
            new Expiry(
                "notification_deliveries",
                settings.notifications(),
                """
                DELETE FROM notification_deliveries WHERE (notification_id, channel) IN (
                  SELECT notification_id, channel FROM notification_deliveries
                  WHERE created_at < ? ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)
                """),
            new Expiry(
                "notifications",
                settings.notifications(),
                """
                DELETE FROM notifications WHERE id IN (
                  SELECT id FROM notifications WHERE created_at < ?
                  ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)
                """),
            new Expiry(
                "alert_events",
                settings.alertEvents(),
                """
                DELETE FROM alert_events WHERE id IN (
                  SELECT id FROM alert_events WHERE at < ?
                  ORDER BY at LIMIT ? FOR UPDATE SKIP LOCKED)
                """),
            new Expiry(
                "destination_metrics_1m",
                settings.destinationMetrics(),
                """
                DELETE FROM destination_metrics_1m
                WHERE (app_id, environment, destination, bucket, source_partition) IN (
                  SELECT app_id, environment, destination, bucket, source_partition
                  FROM destination_metrics_1m WHERE bucket < ?
                  ORDER BY bucket LIMIT ? FOR UPDATE SKIP LOCKED)
                """),
            new Expiry(
                "tail_traces",
                TAIL_TRACES_KEEP,
                """
                DELETE FROM tail_traces WHERE trace_id IN (
                  SELECT trace_id FROM tail_traces WHERE decided_at < ?
                  ORDER BY decided_at LIMIT ? FOR UPDATE SKIP LOCKED)
                """));
  }

  /**
   * Deletes, table by table, what expired as of {@code now}: batches until one comes back short or
   * {@code maxBatches} ran.
   *
   * @return rows deleted per table
   */
  Map<String, Long> run(Instant now) throws SQLException {
    Map<String, Long> deleted = new LinkedHashMap<>();
    for (Expiry e : expiries) {
      Timestamp cutoff = Timestamp.from(now.minus(e.keep()));
      long total = 0;
      for (int batch = 0; batch < maxBatches; batch++) {
        int n = deleteBatch(e, cutoff);
        total += n;
        if (n < batchSize) {
          break;
        }
      }
      deleted.put(e.table(), total);
    }
    return deleted;
  }

  private int deleteBatch(Expiry e, Timestamp cutoff) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(e.sql())) {
      c.setAutoCommit(true); // one statement, one transaction
      ps.setTimestamp(1, cutoff);
      ps.setInt(2, batchSize);
      return ps.executeUpdate();
    }
  }
}
