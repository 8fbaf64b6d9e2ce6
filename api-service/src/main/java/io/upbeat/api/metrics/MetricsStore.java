package io.upbeat.api.metrics;

import io.upbeat.api.metrics.RollupPlanner.Level;
import io.upbeat.api.metrics.RollupPlanner.Segment;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads response-time rows of the three levels, and which rollups are stale. */
@Component
class MetricsStore {
  private final JdbcTemplate jdbc;

  MetricsStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** An app's stale rollups around a window: its hours and days still to be rolled up. */
  record Dirty(Set<Instant> hours, Set<Instant> days) {}

  Dirty dirty(UUID app, Instant from, Instant to) {
    Set<Instant> hours = new HashSet<>();
    Set<Instant> days = new HashSet<>();
    jdbc.query(
        "SELECT DISTINCT level, bucket FROM rollup_pending"
            + " WHERE app_id = ? AND bucket >= ? AND bucket < ?",
        rs -> {
          Instant bucket = rs.getTimestamp(2).toInstant();
          ("1h".equals(rs.getString(1)) ? hours : days).add(bucket);
        },
        app,
        Timestamp.from(from.minus(Duration.ofDays(1))),
        Timestamp.from(to));
    return new Dirty(hours, days);
  }

  /** Which rows: an app, optionally one environment and type, and which names. */
  record Filter(UUID app, String environment, String type, String name, boolean allNames) {
    /** The app-wide rows (every transaction, per type), or one transaction's rows. */
    static Filter series(UUID app, String environment, String type, String transaction) {
      return new Filter(app, environment, type, transaction == null ? "" : transaction, false);
    }

    /** Every transaction name's own rows. */
    static Filter eachName(UUID app, String environment, String type) {
      return new Filter(app, environment, type, null, true);
    }
  }

  /** One stored row, handed over while the result streams (the sketch still encoded). */
  interface RowSink {
    void row(
        Instant bucket,
        String type,
        String name,
        long count,
        double sum,
        double min,
        double max,
        long failures,
        byte[] sketch);
  }

  /** Streams the rows of the given segments (one query per level) into the sink. */
  void read(List<Segment> segments, Filter filter, RowSink sink) {
    for (Level level : Level.values()) {
      List<Segment> ofLevel = segments.stream().filter(s -> s.level() == level).toList();
      if (ofLevel.isEmpty()) {
        continue;
      }
      StringBuilder sql =
          new StringBuilder(
                  "SELECT bucket, txn_type, txn_name, count, sum_ms, min_ms, max_ms, failures, sketch"
                      + " FROM ")
              .append(level.table)
              .append(" WHERE app_id = ?");
      List<Object> args = new ArrayList<>();
      args.add(filter.app());
      if (filter.environment() != null) {
        sql.append(" AND environment = ?");
        args.add(filter.environment());
      }
      if (filter.type() != null) {
        sql.append(" AND txn_type = ?");
        args.add(filter.type());
      }
      if (filter.allNames()) {
        sql.append(" AND txn_name <> ''");
      } else {
        sql.append(" AND txn_name = ?");
        args.add(filter.name());
      }
      sql.append(" AND (");
      for (int i = 0; i < ofLevel.size(); i++) {
        sql.append(i == 0 ? "" : " OR ").append("(bucket >= ? AND bucket < ?)");
        args.add(Timestamp.from(ofLevel.get(i).from()));
        args.add(Timestamp.from(ofLevel.get(i).to()));
      }
      sql.append(')');
      jdbc.query(
          sql.toString(),
          (ResultSet rs) -> {
            sink.row(
                rs.getTimestamp(1).toInstant(),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getDouble(5),
                rs.getDouble(6),
                rs.getDouble(7),
                rs.getLong(8),
                rs.getBytes(9));
          },
          args.toArray());
    }
  }

  /** Deploys in the window, for the chart's markers. */
  record Marker(String version, Instant deployedAt) {}

  List<Marker> releases(UUID app, String environment, Instant from, Instant to) {
    String sql =
        "SELECT version, deployed_at FROM releases WHERE app_id = ? AND deployed_at >= ?"
            + " AND deployed_at < ?"
            + (environment == null ? "" : " AND environment = ?")
            + " ORDER BY deployed_at, version";
    List<Object> args = new ArrayList<>(List.of(app, Timestamp.from(from), Timestamp.from(to)));
    if (environment != null) {
      args.add(environment);
    }
    return jdbc.query(sql, (rs, n) -> marker(rs), args.toArray());
  }

  private static Marker marker(ResultSet rs) throws SQLException {
    return new Marker(rs.getString(1), rs.getTimestamp(2).toInstant());
  }
}
