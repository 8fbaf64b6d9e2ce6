package io.upbeat.api;

import io.upbeat.metrics.DurationStats;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Rows of {@code destination_metrics_1m} as the processor's metrics pipeline writes them (V37): one
 * per app, environment, destination, minute and source partition, with a real sketch of the given
 * durations.
 */
final class DestinationRows {
  private final JdbcTemplate jdbc;

  DestinationRows(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The calls of one minute: {@code failures} of them failed, one per duration given. */
  void minute(
      String app,
      String environment,
      String destination,
      Instant bucket,
      int partition,
      int failures,
      double... durationsMs) {
    DurationStats s = new DurationStats();
    for (int i = 0; i < durationsMs.length; i++) {
      s.add(durationsMs[i], i < failures);
    }
    jdbc.update(
        """
        INSERT INTO destination_metrics_1m (app_id, environment, destination, bucket,
          source_partition, count, failures, sum_ms, min_ms, max_ms, sketch)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        UUID.fromString(app),
        environment,
        destination,
        Timestamp.from(bucket),
        partition,
        s.count(),
        s.failures(),
        s.sum(),
        s.min(),
        s.max(),
        s.sketch().toBytes());
  }
}
