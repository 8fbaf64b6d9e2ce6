package io.upbeat.processor.metrics;

import io.upbeat.metrics.DurationStats;
import io.upbeat.processor.consume.Effects;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.consume.WorkStore.Flush;
import io.upbeat.processor.rollup.MinutePartitions;
import io.upbeat.processor.rollup.Rollups;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The metrics pipeline's writes: the minute aggregates of every partition in a commit, merged into
 * one row per key under the commit's {@linkplain WorkStore#writer writer} partition, the apps'
 * hours they touch marked for rollup, and the destination metrics merged into {@code
 * destination_metrics_1m} ({@link DestinationStore}), all committed with the offsets by {@link
 * LedgerStore}.
 */
public final class MetricsStore implements Effects<MetricsWork> {
  private final DataSource dataSource;
  private final int retentionDays;

  public MetricsStore(DataSource dataSource, int retentionDays) {
    this.dataSource = dataSource;
    this.retentionDays = retentionDays;
  }

  @Override
  public int write(Connection c, List<Flush<MetricsWork>> flushes) throws SQLException {
    int rows = mergeStats(c, flushes);
    // The hours these minutes belong to must be rolled up (again): one marker per app, hour and
    // writer partition, so other processors' flushes never wait on this one's markers.
    int writer = WorkStore.writer(flushes);
    Set<Rollups.Marker> hours = new HashSet<>();
    for (Flush<MetricsWork> f : flushes) {
      for (MetricKey k : f.work().aggregator().pending().keySet()) {
        hours.add(new Rollups.Marker(k.appId(), k.minute().truncatedTo(ChronoUnit.HOURS), writer));
      }
    }
    Rollups.markPending(c, "1h", hours);
    return rows + DestinationStore.write(c, flushes);
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    ensureDailyPartitions(today.minusDays(retentionDays), today.plusDays(2));
  }

  /** Rows per statement: bounds the size of one round trip's arrays. */
  static final int CHUNK = 4_000;

  /**
   * Merges the partitions' pending stats, key by key, into the writer's stored rows: one round trip
   * reads every stored row the flush touches, the merge happens here (sketches do not merge in
   * SQL), and one upsert writes them back, both through arrays, so the cost per flush is two
   * statements per {@link #CHUNK} rows however many keys there are.
   */
  private static int mergeStats(Connection c, List<Flush<MetricsWork>> flushes)
      throws SQLException {
    int writer = WorkStore.writer(flushes);
    Map<MetricKey, Row> byKey = new LinkedHashMap<>();
    for (Flush<MetricsWork> f : flushes) {
      for (Map.Entry<MetricKey, DurationStats> e : f.work().aggregator().pending().entrySet()) {
        byKey.computeIfAbsent(e.getKey(), k -> new Row(k, writer)).stats.merge(e.getValue());
      }
    }
    List<Row> rows = new ArrayList<>(byKey.values());
    for (int from = 0; from < rows.size(); from += CHUNK) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + CHUNK));
      readStored(c, chunk);
      upsert(c, chunk);
    }
    return rows.size();
  }

  /**
   * One key's row of the writer partition: a copy of the partitions' pending stats, then merged
   * with the stored. A copy: the works' own stats never change in a commit, which may fail after
   * the merge (connection lost, commit refused) and be retried with the same works.
   */
  private static final class Row {
    final MetricKey key;
    final int partition;
    final DurationStats stats = new DurationStats();

    Row(MetricKey key, int partition) {
      this.key = key;
      this.partition = partition;
    }
  }

  private static void readStored(Connection c, List<Row> rows) throws SQLException {
    try (PreparedStatement read =
        c.prepareStatement(
            """
            SELECT k.i, m.count, m.sum_ms, m.min_ms, m.max_ms, m.failures, m.sketch
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[])
                 WITH ORDINALITY AS k(app_id, environment, txn_type, txn_name, epoch, part, i)
            JOIN txn_metrics_1m m
              ON m.app_id = k.app_id AND m.environment = k.environment
             AND m.txn_type = k.txn_type AND m.txn_name = k.txn_name
             AND m.bucket = to_timestamp(k.epoch) AND m.source_partition = k.part
            """)) {
      bindKeys(c, read, rows);
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          mergeStored(rows.get((int) rs.getLong(1) - 1).stats, rs, 2);
        }
      }
    }
  }

  /**
   * Merges into {@code stats} the stored stats in the columns from {@code first} on: count, sum_ms,
   * min_ms, max_ms, failures, sketch (the stored sketch merged from its bytes).
   */
  static void mergeStored(DurationStats stats, ResultSet rs, int first) throws SQLException {
    stats.mergeStored(
        rs.getLong(first),
        rs.getDouble(first + 1),
        rs.getDouble(first + 2),
        rs.getDouble(first + 3),
        rs.getLong(first + 4),
        rs.getBytes(first + 5));
  }

  /**
   * Binds the parameters from {@code first} on to the stats as arrays: count, sum_ms, min_ms,
   * max_ms, failures, sketch.
   */
  static void bindStats(Connection c, PreparedStatement ps, int first, List<DurationStats> stats)
      throws SQLException {
    int n = stats.size();
    Long[] counts = new Long[n];
    Double[] sums = new Double[n];
    Double[] mins = new Double[n];
    Double[] maxes = new Double[n];
    Long[] failures = new Long[n];
    byte[][] sketches = new byte[n][];
    for (int i = 0; i < n; i++) {
      DurationStats s = stats.get(i);
      counts[i] = s.count();
      sums[i] = s.sum();
      mins[i] = s.min();
      maxes[i] = s.max();
      failures[i] = s.failures();
      sketches[i] = s.sketch().toBytes();
    }
    ps.setArray(first, c.createArrayOf("bigint", counts));
    ps.setArray(first + 1, c.createArrayOf("float8", sums));
    ps.setArray(first + 2, c.createArrayOf("float8", mins));
    ps.setArray(first + 3, c.createArrayOf("float8", maxes));
    ps.setArray(first + 4, c.createArrayOf("bigint", failures));
    ps.setArray(first + 5, c.createArrayOf("bytea", sketches));
  }

  private static void upsert(Connection c, List<Row> rows) throws SQLException {
    try (PreparedStatement write =
        c.prepareStatement(
            """
            INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
              source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
            SELECT app_id, environment, txn_type, txn_name, to_timestamp(epoch), part,
                   count, sum_ms, min_ms, max_ms, failures, sketch
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[],
                        ?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::bigint[],
                        ?::bytea[])
                 AS r(app_id, environment, txn_type, txn_name, epoch, part,
                      count, sum_ms, min_ms, max_ms, failures, sketch)
            ON CONFLICT (app_id, environment, txn_type, txn_name, bucket, source_partition)
            DO UPDATE SET count = EXCLUDED.count, sum_ms = EXCLUDED.sum_ms,
              min_ms = EXCLUDED.min_ms, max_ms = EXCLUDED.max_ms,
              failures = EXCLUDED.failures, sketch = EXCLUDED.sketch
            """)) {
      bindKeys(c, write, rows);
      bindStats(c, write, 7, rows.stream().map(r -> r.stats).toList());
      write.executeUpdate();
    }
  }

  /** Parameters 1 to 6: the rows' keys as arrays (minutes as epoch seconds). */
  private static void bindKeys(Connection c, PreparedStatement ps, List<Row> rows)
      throws SQLException {
    int n = rows.size();
    UUID[] apps = new UUID[n];
    String[] environments = new String[n];
    String[] types = new String[n];
    String[] names = new String[n];
    Long[] minutes = new Long[n];
    Integer[] partitions = new Integer[n];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      apps[i] = r.key.appId();
      environments[i] = r.key.environment();
      types[i] = r.key.type();
      names[i] = r.key.name();
      minutes[i] = r.key.minute().getEpochSecond();
      partitions[i] = r.partition;
    }
    ps.setArray(1, c.createArrayOf("uuid", apps));
    ps.setArray(2, c.createArrayOf("text", environments));
    ps.setArray(3, c.createArrayOf("text", types));
    ps.setArray(4, c.createArrayOf("text", names));
    ps.setArray(5, c.createArrayOf("bigint", minutes));
    ps.setArray(6, c.createArrayOf("int", partitions));
  }

  /**
   * Creates the daily partitions of the minute tables ({@link MinutePartitions}) from {@code from}
   * to {@code to} inclusive (UTC days) that do not exist yet.
   */
  public void ensureDailyPartitions(LocalDate from, LocalDate to) throws SQLException {
    MinutePartitions.ensure(dataSource, from, to);
  }
}
