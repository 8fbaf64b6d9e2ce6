package io.upbeat.processor.rollup;

import io.upbeat.metrics.DurationStats;
import io.upbeat.processor.metrics.MetricKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Rolls minute metrics up into hours and hours into days by merging sketches (exact counts, sums,
 * min, max and failures carried along), and keeps each level's time partitions: created ahead,
 * dropped when older than the level's retention. Buckets are recomputed whole from their sources
 * whenever they are marked dirty, so late events and repeated runs give the same result.
 */
public final class Rollups {
  /** Advisory lock id: one rollup job at a time across processors. */
  private static final long LOCK = 0x7570626561740002L;

  /** Advisory lock id: one partition maintenance (create, drop) at a time across processors. */
  private static final long PARTITIONS_LOCK = 0x7570626561740003L;

  private final DataSource dataSource;
  private final Retention retention;

  /** Days of minutes and hours, and of days, to keep. */
  public record Retention(int minuteDays, int hourDays, int dayDays) {}

  public Rollups(DataSource dataSource, Retention retention) {
    this.dataSource = dataSource;
    this.retention = retention;
  }

  /**
   * Recomputes every dirty hour and day, then maintains partitions, as of {@code now}; does nothing
   * if another processor is already doing it.
   *
   * @return buckets recomputed
   */
  public int run(Instant now) throws SQLException {
    // The lock is the transaction's: it goes with the transaction however the run ends (also if
    // the connection goes back to a pool or dies), so it can never be left held.
    try (Connection lockHolder = dataSource.getConnection()) {
      lockHolder.setAutoCommit(false);
      try {
        if (!tryLock(lockHolder)) {
          return 0;
        }
        maintainPartitions(LocalDate.ofInstant(now, ZoneOffset.UTC));
        int done = 0;
        done += rollDirty("1h", "txn_metrics_1m", Duration.ofHours(1), "1d");
        done += rollDirty("1d", "txn_metrics_1h", Duration.ofDays(1), null);
        return done;
      } finally {
        lockHolder.rollback(); // releases the lock; nothing else was done on this connection
      }
    }
  }

  private static boolean tryLock(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_try_advisory_xact_lock(" + LOCK + ")")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** Partition maintenance: DDL on one connection, in one transaction. */
  @FunctionalInterface
  public interface Maintenance {
    void run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code body} in one transaction that holds the partition maintenance lock, in UTC: with N
   * processors creating and dropping the same tables' partitions (every pipeline each day, the
   * rollup job each run), they take turns, so none fails on another's half-done DDL. It waits for
   * the lock rather than skipping: a caller must find its partitions there when this returns.
   */
  public static void maintainPartitions(DataSource dataSource, Maintenance body)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pg_advisory_xact_lock(" + PARTITIONS_LOCK + ")");
          s.execute("SET LOCAL TIME ZONE 'UTC'"); // partition bounds are read back as text
        }
        body.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private record Dirty(Instant bucket, long version) {}

  private int rollDirty(String level, String source, Duration width, String nextLevel)
      throws SQLException {
    List<Dirty> dirty = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT bucket, version FROM rollup_dirty WHERE level = ? ORDER BY bucket LIMIT 500")) {
      ps.setString(1, level);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          dirty.add(new Dirty(rs.getTimestamp(1).toInstant(), rs.getLong(2)));
        }
      }
    }
    for (Dirty d : dirty) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          Map<MetricKey, DurationStats> merged =
              read(c, source, d.bucket(), d.bucket().plus(width));
          write(c, "txn_metrics_" + level, d.bucket(), merged);
          if (nextLevel != null) {
            markDirty(c, nextLevel, d.bucket().truncatedTo(ChronoUnit.DAYS));
          }
          try (PreparedStatement clear =
              c.prepareStatement(
                  "DELETE FROM rollup_dirty WHERE level = ? AND bucket = ? AND version = ?")) {
            clear.setString(1, level);
            clear.setTimestamp(2, Timestamp.from(d.bucket()));
            clear.setLong(3, d.version());
            clear.executeUpdate();
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
    }
    return dirty.size();
  }

  /**
   * Every row of {@code source} in [from, to), merged by key with the bucket set to {@code from}.
   */
  private static Map<MetricKey, DurationStats> read(
      Connection c, String source, Instant from, Instant to) throws SQLException {
    Map<MetricKey, DurationStats> merged = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT app_id, environment, txn_type, txn_name, count, sum_ms, min_ms, max_ms,"
                + " failures, sketch FROM "
                + source
                + " WHERE bucket >= ? AND bucket < ?")) {
      ps.setTimestamp(1, Timestamp.from(from));
      ps.setTimestamp(2, Timestamp.from(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          MetricKey key =
              new MetricKey(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  from);
          merged
              .computeIfAbsent(key, k -> new DurationStats())
              .mergeStored(
                  rs.getLong(5),
                  rs.getDouble(6),
                  rs.getDouble(7),
                  rs.getDouble(8),
                  rs.getLong(9),
                  rs.getBytes(10));
        }
      }
    }
    return merged;
  }

  private static void write(
      Connection c, String table, Instant bucket, Map<MetricKey, DurationStats> rows)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + table
                + " (app_id, environment, txn_type, txn_name, bucket, count, sum_ms, min_ms,"
                + " max_ms, failures, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (app_id, environment, txn_type, txn_name, bucket) DO UPDATE SET"
                + " count = EXCLUDED.count, sum_ms = EXCLUDED.sum_ms, min_ms = EXCLUDED.min_ms,"
                + " max_ms = EXCLUDED.max_ms, failures = EXCLUDED.failures,"
                + " sketch = EXCLUDED.sketch")) {
      for (Map.Entry<MetricKey, DurationStats> e : rows.entrySet()) {
        MetricKey k = e.getKey();
        DurationStats s = e.getValue();
        ps.setObject(1, k.appId());
        ps.setString(2, k.environment());
        ps.setString(3, k.type());
        ps.setString(4, k.name());
        ps.setTimestamp(5, Timestamp.from(bucket));
        ps.setLong(6, s.count());
        ps.setDouble(7, s.sum());
        ps.setDouble(8, s.min());
        ps.setDouble(9, s.max());
        ps.setLong(10, s.failures());
        ps.setBytes(11, s.sketch().toBytes());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Marks a bucket of {@code level} for recomputation (in the caller's transaction). */
  public static void markDirty(Connection c, String level, Instant bucket) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO rollup_dirty (level, bucket) VALUES (?, ?)"
                + " ON CONFLICT (level, bucket) DO UPDATE SET version = rollup_dirty.version + 1")) {
      ps.setString(1, level);
      ps.setTimestamp(2, Timestamp.from(bucket));
      ps.executeUpdate();
    }
  }

  private void maintainPartitions(LocalDate today) throws SQLException {
    maintainPartitions(dataSource, c -> maintainPartitions(c, today));
  }

  private void maintainPartitions(Connection c, LocalDate today) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (LocalDate d = today.minusDays(retention.hourDays());
          !d.isAfter(today.plusDays(2));
          d = d.plusDays(1)) {
        createPartition(
            s,
            "txn_metrics_1h",
            d.toString().replace("-", ""),
            d.atStartOfDay(),
            d.plusDays(1).atStartOfDay());
      }
      YearMonth first = YearMonth.from(today.minusDays(retention.dayDays()));
      for (YearMonth m = first;
          !m.isAfter(YearMonth.from(today).plusMonths(1));
          m = m.plusMonths(1)) {
        createPartition(
            s,
            "txn_metrics_1d",
            m.toString().replace("-", ""),
            m.atDay(1).atStartOfDay(),
            m.plusMonths(1).atDay(1).atStartOfDay());
      }
      for (String minutes : MinutePartitions.TABLES) {
        dropOlder(c, minutes, today.minusDays(retention.minuteDays()));
      }
      dropOlder(c, "txn_metrics_1h", today.minusDays(retention.hourDays()));
      dropOlder(c, "txn_metrics_1d", YearMonth.from(today.minusDays(retention.dayDays())).atDay(1));
    }
  }

  /**
   * Creates partition {@code table_suffix} of {@code table} for [from, to) in UTC, unless it exists
   * (also when another processor creates it at the same moment).
   */
  public static void createPartition(
      Statement s,
      String table,
      String suffix,
      java.time.LocalDateTime from,
      java.time.LocalDateTime to)
      throws SQLException {
    try {
      s.execute(
          "CREATE TABLE IF NOT EXISTS %s_%s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')"
              .formatted(
                  table,
                  suffix,
                  table,
                  from.atOffset(ZoneOffset.UTC),
                  to.atOffset(ZoneOffset.UTC)));
    } catch (SQLException e) {
      if (!"42P07".equals(e.getSQLState())) { // duplicate_table: created meanwhile
        throw e;
      }
    }
  }

  /** Drops the partitions of {@code table} that end on or before {@code keepFrom}. */
  public static void dropOlder(Connection c, String table, LocalDate keepFrom) throws SQLException {
    List<String> old = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT child.relname, pg_get_expr(child.relpartbound, child.oid)
            FROM pg_inherits JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = ?
            """)) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String bound = rs.getString(2); // FOR VALUES FROM ('...') TO ('...')
          String to = bound.substring(bound.lastIndexOf("('") + 2, bound.lastIndexOf("')"));
          Instant end =
              java.time.OffsetDateTime.parse(to.replace(" ", "T").replaceAll("\\+00$", "+00:00"))
                  .toInstant();
          if (!end.isAfter(keepFrom.atStartOfDay().toInstant(ZoneOffset.UTC))) {
            old.add(rs.getString(1));
          }
        }
      }
    }
    try (Statement s = c.createStatement()) {
      for (String partition : old) {
        s.execute("DROP TABLE IF EXISTS " + partition);
      }
    }
  }
}
