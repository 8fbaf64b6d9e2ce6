package io.upbeat.alerting;

import io.upbeat.metrics.DurationStats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Reads {@code txn_metrics_1m} and {@code error_counts_1m} as the metrics API does: every row of a
 * key (one per source partition, and per type for the app's rows) merged, sketches by their bytes,
 * so the statistics are the API's to the last bit.
 */
public final class PostgresMinutes implements MinuteSource {
  /** The name of a type's app-wide rows in {@code txn_metrics_1m} (every transaction). */
  static final String ALL = "";

  private final Connection c;

  public PostgresMinutes(Connection c) {
    this.c = c;
  }

  @Override
  public Map<Instant, DurationStats> transactions(
      UUID app, String environment, String transaction, Instant from, Instant to) {
    Map<Instant, DurationStats> out = new HashMap<>();
    String sql =
        "SELECT bucket, count, sum_ms, min_ms, max_ms, failures, sketch FROM txn_metrics_1m"
            + " WHERE app_id = ? AND txn_name = ? AND bucket >= ? AND bucket < ?"
            + (environment == null ? "" : " AND environment = ?");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, app);
      ps.setString(2, transaction == null ? ALL : transaction);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      if (environment != null) {
        ps.setString(5, environment);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getTimestamp(1).toInstant(), k -> new DurationStats())
              .mergeStored(
                  rs.getLong(2),
                  rs.getDouble(3),
                  rs.getDouble(4),
                  rs.getDouble(5),
                  rs.getLong(6),
                  rs.getBytes(7));
        }
      }
    } catch (SQLException e) {
      throw new AlertingException("reading transaction minutes", e);
    }
    return out;
  }

  @Override
  public Map<Instant, Long> errors(
      UUID app, String environment, UUID group, Instant from, Instant to) {
    Map<Instant, Long> out = new HashMap<>();
    String sql =
        "SELECT bucket, sum(count) FROM error_counts_1m"
            + " WHERE app_id = ? AND bucket >= ? AND bucket < ?"
            // A merged group's events include its members' (each keeps its own rows).
            + (group == null
                ? ""
                : " AND group_id IN (SELECT id FROM error_groups WHERE id = ? OR merged_into = ?)")
            + (environment == null ? "" : " AND environment = ?")
            + " GROUP BY bucket";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setObject(i++, app);
      ps.setTimestamp(i++, Timestamp.from(from));
      ps.setTimestamp(i++, Timestamp.from(to));
      if (group != null) {
        ps.setObject(i++, group);
        ps.setObject(i++, group);
      }
      if (environment != null) {
        ps.setString(i, environment);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getTimestamp(1).toInstant(), rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw new AlertingException("reading error minutes", e);
    }
    return out;
  }
}
