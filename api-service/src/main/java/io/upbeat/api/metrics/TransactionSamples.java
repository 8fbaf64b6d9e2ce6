package io.upbeat.api.metrics;

import io.upbeat.api.metrics.SamplesController.Sample;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Reads sampled transactions: for the samples API and the transaction page alike. */
@Component
class TransactionSamples {
  private final JdbcClient jdbc;

  TransactionSamples(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The newest (or slowest) samples of an app in [from, to), optionally of one name, type or
   * environment (null: any). The caller has checked access to the app.
   */
  List<Sample> find(
      UUID app,
      String name,
      String type,
      String environment,
      Instant from,
      Instant to,
      boolean slowest,
      int limit) {
    String order = slowest ? "duration_ms DESC" : "started_at DESC";
    return jdbc.sql(
            """
            SELECT sample_id, transaction_id, trace_id, parent_id, txn_name, txn_type, environment,
                   started_at,
                   duration_ms, result, outcome, service_version, spans::text, context::text
            FROM txn_samples
            WHERE app_id = :app AND started_at >= :from AND started_at < :to
              AND (CAST(:name AS text) IS NULL OR txn_name = :name)
              AND (CAST(:type AS text) IS NULL OR txn_type = :type)
              AND (CAST(:env AS text) IS NULL OR environment = :env)
            ORDER BY %s, sample_id
            LIMIT :limit
            """
                .formatted(order))
        .param("app", app)
        .param("from", Timestamp.from(from))
        .param("to", Timestamp.from(to))
        .param("name", name)
        .param("type", type)
        .param("env", environment)
        .param("limit", limit)
        .query(TransactionSamples::sample)
        .list();
  }

  private static Sample sample(ResultSet rs, int row) throws SQLException {
    return new Sample(
        rs.getObject(1, UUID.class),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getTimestamp(8).toInstant(),
        rs.getDouble(9),
        rs.getString(10),
        rs.getString(11),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14));
  }
}
