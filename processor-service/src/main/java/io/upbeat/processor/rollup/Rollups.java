package io.upbeat.processor.rollup;

import io.upbeat.metrics.DurationStats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls minute metrics up into hours and hours into days by merging sketches (exact counts, sums,
 * min, max and failures carried along), and keeps each level's time partitions: created ahead,
 * dropped when older than the level's retention.
 *
 * <p>The work is a queue of units in {@code rollup_pending} (V28): one app's hour, or one app's
 * day. Any number of processors run this at once and share the units: each unit is fenced by a
 * transaction-scoped advisory lock of its own and claimed by locking and deleting its markers, so
 * exactly one processor rolls it up, and one that comes later finds it done. A unit is recomputed
 * whole from its sources (late events and repeated runs give the same result), reading only that
 * app's rows of that bucket through an index, streamed with a fetch size and folded into one row
 * per key as they arrive: memory holds one unit's keys, never its source rows. A rolled-up row
 * whose value did not change is not rewritten.
 */
public final class Rollups {
  private static final Logger log = LoggerFactory.getLogger(Rollups.class);

  /** Advisory lock id: one partition maintenance (create, drop) at a time across processors. */
  private static final long PARTITIONS_LOCK = 0x7570626561740003L;

  /**
   * First key of the per-unit advisory locks (the two-int key space, which never meets the
   * one-bigint locks above); the second is a hash of the unit, so two units may share a lock, in
   * which case they take turns.
   */
  private static final int UNIT_LOCKS = 0x75707275;

  /**
   * How long partition DDL waits for a table lock before giving up (until the next run): DDL on a
   * partition takes an ACCESS EXCLUSIVE lock on the parent, and while it waits behind a long query
   * every writer and reader of the table queues behind it.
   */
  public static final Duration PARTITION_LOCK_TIMEOUT = Duration.ofSeconds(2);

  /** Units of each level claimed per run at most: a run stays bounded, the next one goes on. */
  private static final int UNITS_PER_RUN = 500;

  /** Source rows fetched per round trip while a unit streams in. */
  private static final int FETCH_SIZE = 1_000;

  /** Rolled-up rows written per batch. */
  private static final int WRITE_BATCH = 500;

  private final DataSource dataSource;
  private final Retention retention;

  /** Days of minutes and hours, and of days, to keep. */
  public record Retention(int minuteDays, int hourDays, int dayDays) {}

  /** The two rollup levels: where each reads from, its width, and the level it feeds. */
  enum Level {
    HOUR("1h", "txn_metrics_1m", "txn_metrics_1h", Duration.ofHours(1)),
    DAY("1d", "txn_metrics_1h", "txn_metrics_1d", Duration.ofDays(1));

    final String name;
    final String source;
    final String table;
    final Duration width;

    Level(String name, String source, String table, Duration width) {
      this.name = name;
      this.source = source;
      this.table = table;
      this.width = width;
    }
  }

  /** One unit of rollup work: an app's bucket of one level. */
  record Unit(Level level, UUID app, Instant bucket) {
    Unit {
      Objects.requireNonNull(level, "level");
      Objects.requireNonNull(app, "app");
      Objects.requireNonNull(bucket, "bucket");
    }
  }

  public Rollups(DataSource dataSource, Retention retention) {
    this.dataSource = dataSource;
    this.retention = retention;
  }

  /**
   * Maintains partitions, then rolls up the pending units no other processor holds, as of {@code
   * now}.
   *
   * @return units rolled up
   */
  public int run(Instant now) throws SQLException {
    return rollUp(now).size();
  }

  /** As {@link #run}, naming the units this call rolled up. */
  List<Unit> rollUp(Instant now) throws SQLException {
    maintainPartitions(LocalDate.ofInstant(now, ZoneOffset.UTC));
    List<Unit> done = new ArrayList<>();
    for (Level level : Level.values()) {
      for (Unit unit : pending(level)) {
        if (rollUp(unit)) {
          done.add(unit);
        }
      }
    }
    return done;
  }

  /** The oldest pending units of a level (some may be taken by others meanwhile). */
  private List<Unit> pending(Level level) throws SQLException {
    List<Unit> units = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT app_id, bucket FROM rollup_pending WHERE level = ?"
                    + " GROUP BY app_id, bucket ORDER BY bucket, app_id LIMIT ?")) {
      ps.setString(1, level.name);
      ps.setInt(2, UNITS_PER_RUN);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          units.add(new Unit(level, rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant()));
        }
      }
    }
    return units;
  }

  /**
   * Claims and rolls up one unit in one transaction.
   *
   * @return false if another processor holds it or has already done it
   */
  private boolean rollUp(Unit unit) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!claim(c, unit)) {
          c.rollback();
          return false;
        }
        recompute(c, unit);
        if (unit.level() == Level.HOUR) {
          Instant day = unit.bucket().truncatedTo(ChronoUnit.DAYS);
          int hourOfDay = (int) Duration.between(day, unit.bucket()).toHours();
          markPending(c, Level.DAY.name, List.of(new Marker(unit.app(), day, hourOfDay)));
        }
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /**
   * Takes the unit's advisory lock (skipping a unit another processor holds), then locks its
   * markers in source order (the order writers lock theirs in, so the two never deadlock), waiting
   * for writers still in flight, and deletes them: what those writers wrote is read afterwards;
   * what later writers write leaves a new marker.
   *
   * @return false if the unit is held elsewhere or no marker is left (done by another meanwhile)
   */
  private static boolean claim(Connection c, Unit unit) throws SQLException {
    try (PreparedStatement lock =
        c.prepareStatement("SELECT pg_try_advisory_xact_lock(?, hashtext(?))")) {
      lock.setInt(1, UNIT_LOCKS);
      lock.setString(2, unit.level().name + '/' + unit.app() + '/' + unit.bucket());
      try (ResultSet rs = lock.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return false;
        }
      }
    }
    int markers = 0;
    try (PreparedStatement markersOf =
        c.prepareStatement(
            "SELECT source FROM rollup_pending WHERE level = ? AND app_id = ? AND bucket = ?"
                + " ORDER BY source FOR UPDATE")) {
      bindUnit(markersOf, unit);
      try (ResultSet rs = markersOf.executeQuery()) {
        while (rs.next()) {
          markers++;
        }
      }
    }
    if (markers == 0) {
      return false;
    }
    try (PreparedStatement delete =
        c.prepareStatement(
            "DELETE FROM rollup_pending WHERE level = ? AND app_id = ? AND bucket = ?")) {
      bindUnit(delete, unit);
      delete.executeUpdate();
    }
    return true;
  }

  private static void bindUnit(PreparedStatement ps, Unit unit) throws SQLException {
    ps.setString(1, unit.level().name);
    ps.setObject(2, unit.app());
    ps.setTimestamp(3, Timestamp.from(unit.bucket()));
  }

  /** A key of a unit's rows (the app and bucket are the unit's). */
  private record Key(String environment, String type, String name) {}

  /**
   * Rewrites the unit's rows from its source rows: only that app's rows of that bucket (found by an
   * index on app and bucket), streamed with a fetch size and folded into one row per key as they
   * arrive, so memory holds the unit's keys, never its source rows (let alone every app's).
   */
  private static void recompute(Connection c, Unit unit) throws SQLException {
    Level level = unit.level();
    Map<Key, DurationStats> merged = new HashMap<>();
    try (PreparedStatement read =
        c.prepareStatement(
            "SELECT environment, txn_type, txn_name, count, sum_ms, min_ms, max_ms, failures,"
                + " sketch FROM "
                + level.source
                + " WHERE app_id = ? AND bucket >= ? AND bucket < ?")) {
      read.setFetchSize(FETCH_SIZE); // a cursor: the connection is in a transaction
      read.setObject(1, unit.app());
      read.setTimestamp(2, Timestamp.from(unit.bucket()));
      read.setTimestamp(3, Timestamp.from(unit.bucket().plus(level.width)));
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          merged
              .computeIfAbsent(
                  new Key(rs.getString(1), rs.getString(2), rs.getString(3)),
                  k -> new DurationStats())
              .mergeStored(
                  rs.getLong(4),
                  rs.getDouble(5),
                  rs.getDouble(6),
                  rs.getDouble(7),
                  rs.getLong(8),
                  rs.getBytes(9));
        }
      }
    }
    try (PreparedStatement write =
        c.prepareStatement(
            // A key with no new source rows since the last rollup is left alone: no new row
            // version, no WAL (most keys of a busy hour, between two runs).
            """
            INSERT INTO %1$s (app_id, environment, txn_type, txn_name, bucket, count, sum_ms,
              min_ms, max_ms, failures, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (app_id, environment, txn_type, txn_name, bucket) DO UPDATE
            SET count = EXCLUDED.count, sum_ms = EXCLUDED.sum_ms, min_ms = EXCLUDED.min_ms,
              max_ms = EXCLUDED.max_ms, failures = EXCLUDED.failures, sketch = EXCLUDED.sketch
            WHERE (%1$s.count, %1$s.sum_ms, %1$s.min_ms, %1$s.max_ms, %1$s.failures,
                   %1$s.sketch)
              IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.sum_ms, EXCLUDED.min_ms,
                   EXCLUDED.max_ms, EXCLUDED.failures, EXCLUDED.sketch)
            """
                .formatted(level.table))) {
      int batched = 0;
      for (Map.Entry<Key, DurationStats> e : merged.entrySet()) {
        Key k = e.getKey();
        DurationStats stats = e.getValue();
        write.setObject(1, unit.app());
        write.setString(2, k.environment());
        write.setString(3, k.type());
        write.setString(4, k.name());
        write.setTimestamp(5, Timestamp.from(unit.bucket()));
        write.setLong(6, stats.count());
        write.setDouble(7, stats.sum());
        write.setDouble(8, stats.min());
        write.setDouble(9, stats.max());
        write.setLong(10, stats.failures());
        write.setBytes(11, stats.sketch().toBytes());
        write.addBatch();
        if (++batched == WRITE_BATCH) {
          write.executeBatch();
          batched = 0;
        }
      }
      if (batched > 0) {
        write.executeBatch();
      }
    }
  }

  /**
   * One writer's mark on a unit: an app's bucket, as written by {@code source}, the only writer of
   * this marker at a time (the events-topic partition for hours, the hour of the day for days).
   */
  public record Marker(UUID app, Instant bucket, int source) {
    /** The order markers are locked in: within one unit, by source, as {@link #claim} does. */
    static final Comparator<Marker> ORDER =
        Comparator.comparing(Marker::app)
            .thenComparing(Marker::bucket)
            .thenComparingInt(Marker::source);
  }

  /**
   * Marks units of {@code level} for rollup, in the caller's transaction. A marker that exists is
   * locked, not rewritten (nothing is written, the first marking time stays): a rollup claiming the
   * unit meanwhile waits for this transaction, so it reads what the transaction wrote. No two
   * writers share a marker, so concurrent flushes never wait on each other here.
   */
  public static void markPending(Connection c, String level, Collection<Marker> markers)
      throws SQLException {
    if (markers.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO rollup_pending (level, app_id, bucket, source) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (level, app_id, bucket, source)"
                + " DO UPDATE SET marked_at = rollup_pending.marked_at WHERE false")) {
      for (Marker m : markers.stream().distinct().sorted(Marker.ORDER).toList()) {
        ps.setString(1, level);
        ps.setObject(2, m.app());
        ps.setTimestamp(3, Timestamp.from(m.bucket()));
        ps.setInt(4, m.source());
        ps.addBatch();
      }
      ps.executeBatch();
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
   * the advisory lock rather than skipping (a caller must find its partitions there when this
   * returns), but each table lock the DDL then needs is waited for only {@link
   * #PARTITION_LOCK_TIMEOUT}: behind a long query it gives up (SQLState 55P03, {@link
   * #isLockTimeout}) and the caller tries again later, instead of queueing every writer of the
   * table behind its ACCESS EXCLUSIVE request.
   */
  public static void maintainPartitions(DataSource dataSource, Maintenance body)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pg_advisory_xact_lock(" + PARTITIONS_LOCK + ")");
          s.execute("SET LOCAL TIME ZONE 'UTC'"); // partition bounds are read back as text
          s.execute("SET LOCAL lock_timeout = " + PARTITION_LOCK_TIMEOUT.toMillis());
        }
        body.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Whether {@code e} is partition DDL giving up on a table lock ({@code lock_timeout}). */
  public static boolean isLockTimeout(SQLException e) {
    return "55P03".equals(e.getSQLState());
  }

  /**
   * Creates ahead and drops expired partitions of each table in a transaction of its own, so a
   * table held by a long query holds back only its own maintenance, which the next run retries.
   */
  private void maintainPartitions(LocalDate today) throws SQLException {
    maintainTable(
        "txn_metrics_1h",
        c -> {
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
          }
          dropOlder(c, "txn_metrics_1h", today.minusDays(retention.hourDays()));
        });
    maintainTable(
        "txn_metrics_1d",
        c -> {
          try (Statement s = c.createStatement()) {
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
          }
          dropOlder(
              c, "txn_metrics_1d", YearMonth.from(today.minusDays(retention.dayDays())).atDay(1));
        });
    for (String minutes : MinutePartitions.TABLES) {
      maintainTable(minutes, c -> dropOlder(c, minutes, today.minusDays(retention.minuteDays())));
    }
  }

  private void maintainTable(String table, Maintenance body) throws SQLException {
    try {
      maintainPartitions(dataSource, body);
    } catch (SQLException e) {
      if (!isLockTimeout(e)) {
        throw e;
      }
      log.warn(
          "Partition maintenance of {} gave up on a table lock after {}; the next run retries",
          table,
          PARTITION_LOCK_TIMEOUT);
    }
  }

  /**
   * Creates partition {@code table_suffix} of {@code table} for [from, to) in UTC, unless it exists
   * (also when another processor creates it at the same moment). An existing partition is seen
   * first, without DDL, so a run with nothing to create takes no table lock. The minute tables'
   * partitions leave room in their pages for HOT updates ({@link MinutePartitions#FILLFACTOR}).
   */
  public static void createPartition(
      Statement s, String table, String suffix, LocalDateTime from, LocalDateTime to)
      throws SQLException {
    String partition = table + "_" + suffix;
    try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + partition + "') IS NOT NULL")) {
      rs.next();
      if (rs.getBoolean(1)) {
        return;
      }
    }
    try {
      s.execute(
          "CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')%s"
              .formatted(
                  partition,
                  table,
                  from.atOffset(ZoneOffset.UTC),
                  to.atOffset(ZoneOffset.UTC),
                  MinutePartitions.TABLES.contains(table)
                      ? " WITH (fillfactor = " + MinutePartitions.FILLFACTOR + ")"
                      : ""));
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
              OffsetDateTime.parse(to.replace(" ", "T").replaceAll("\\+00$", "+00:00")).toInstant();
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
