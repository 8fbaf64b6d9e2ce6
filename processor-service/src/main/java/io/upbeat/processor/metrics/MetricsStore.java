package io.upbeat.processor.metrics;

import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.rollup.Rollups;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The metrics pipeline's writes: each partition's minute aggregates merged into that partition's
 * rows, and its offset, in one transaction (see {@link OffsetLedger} for the fencing).
 */
public final class MetricsStore implements WorkStore<MetricsWork> {
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  private final DataSource dataSource;
  private final OffsetLedger ledger;
  private final int retentionDays;

  public MetricsStore(DataSource dataSource, OffsetLedger ledger, int retentionDays) {
    this.dataSource = dataSource;
    this.ledger = ledger;
    this.retentionDays = retentionDays;
  }

  @Override
  public Map<Integer, Long> offsets(String topic, Collection<Integer> partitions)
      throws SQLException {
    return ledger.offsets(topic, partitions);
  }

  @Override
  public void commit(String topic, List<Flush<MetricsWork>> flushes) throws SQLException {
    ledger.inTransaction(
        c -> {
          for (Flush<MetricsWork> f : flushes) {
            ledger.fence(c, topic, f.partition(), f.startOffset());
            mergeStats(c, f.partition(), f.work().aggregator().pending());
            ledger.advance(c, topic, f.partition(), f.nextOffset());
          }
          // The hours these minutes belong to must be rolled up (again); in bucket order, so
          // processors marking the same hours never deadlock.
          java.util.SortedSet<java.time.Instant> hours = new java.util.TreeSet<>();
          for (Flush<MetricsWork> f : flushes) {
            for (MetricKey k : f.work().aggregator().pending().keySet()) {
              hours.add(k.minute().truncatedTo(java.time.temporal.ChronoUnit.HOURS));
            }
          }
          for (java.time.Instant hour : hours) {
            Rollups.markDirty(c, "1h", hour);
          }
        });
  }

  @Override
  public void prepare(LocalDate today) throws SQLException {
    ensureDailyPartitions(today.minusDays(retentionDays), today.plusDays(2));
  }

  private static void mergeStats(Connection c, int partition, Map<MetricKey, MinuteStats> stats)
      throws SQLException {
    if (stats.isEmpty()) {
      return;
    }
    try (PreparedStatement read =
            c.prepareStatement(
                "SELECT count, sum_ms, min_ms, max_ms, failures, sketch FROM txn_metrics_1m"
                    + " WHERE app_id = ? AND environment = ? AND txn_type = ? AND txn_name = ?"
                    + " AND bucket = ? AND source_partition = ?");
        PreparedStatement write =
            c.prepareStatement(
                """
                INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
                  source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (app_id, environment, txn_type, txn_name, bucket, source_partition)
                DO UPDATE SET count = EXCLUDED.count, sum_ms = EXCLUDED.sum_ms,
                  min_ms = EXCLUDED.min_ms, max_ms = EXCLUDED.max_ms,
                  failures = EXCLUDED.failures, sketch = EXCLUDED.sketch
                """)) {
      for (Map.Entry<MetricKey, MinuteStats> e : stats.entrySet()) {
        MetricKey k = e.getKey();
        MinuteStats merged = e.getValue();
        bindKey(read, k, partition);
        try (ResultSet rs = read.executeQuery()) {
          if (rs.next()) {
            MinuteStats stored =
                MinuteStats.of(
                    rs.getLong(1),
                    rs.getDouble(2),
                    rs.getDouble(3),
                    rs.getDouble(4),
                    rs.getLong(5),
                    rs.getBytes(6));
            stored.merge(merged);
            merged = stored;
          }
        }
        bindKey(write, k, partition);
        write.setLong(7, merged.count());
        write.setDouble(8, merged.sum());
        write.setDouble(9, merged.min());
        write.setDouble(10, merged.max());
        write.setLong(11, merged.failures());
        write.setBytes(12, merged.sketch().toBytes());
        write.addBatch();
      }
      write.executeBatch();
    }
  }

  private static void bindKey(PreparedStatement ps, MetricKey k, int partition)
      throws SQLException {
    ps.setObject(1, k.appId());
    ps.setString(2, k.environment());
    ps.setString(3, k.type());
    ps.setString(4, k.name());
    ps.setTimestamp(5, Timestamp.from(k.minute()));
    ps.setInt(6, partition);
  }

  /**
   * Creates the daily partitions of the minute table from {@code from} to {@code to} inclusive (UTC
   * days) that do not exist yet.
   */
  public void ensureDailyPartitions(LocalDate from, LocalDate to) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        Rollups.createPartition(
            s, "txn_metrics_1m", d.format(DAY), d.atStartOfDay(), d.plusDays(1).atStartOfDay());
      }
    }
  }
}
