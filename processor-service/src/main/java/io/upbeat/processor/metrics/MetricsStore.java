package io.upbeat.processor.metrics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The processor's writes to PostgreSQL for one pipeline: the minute metrics it produced and the
 * offsets they came from, always in one transaction. Before writing a partition it checks that the
 * stored offset is still the one it started from, so a processor that lost the partition to another
 * (a rebalance while it was flushing) cannot write twice.
 */
public final class MetricsStore {
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  private final DataSource dataSource;
  private final String pipeline;

  public MetricsStore(DataSource dataSource, String pipeline) {
    this.dataSource = dataSource;
    this.pipeline = pipeline;
  }

  /** What one partition contributes to a commit. */
  public record PartitionFlush(
      int partition, Long startOffset, long nextOffset, Map<MetricKey, MinuteStats> stats) {}

  /** The partition was written by someone else since this processor read its offset. */
  public static final class FencedException extends RuntimeException {
    FencedException(int partition) {
      super("partition " + partition + " was taken over by another processor", null, false, false);
    }
  }

  /** The stored next offset of each partition that has one. */
  public Map<Integer, Long> offsets(String topic, Collection<Integer> partitions)
      throws SQLException {
    Map<Integer, Long> offsets = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT partition, next_offset FROM processor_offsets"
                    + " WHERE pipeline = ? AND topic = ? AND partition = ANY (?)")) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setArray(3, c.createArrayOf("integer", partitions.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          offsets.put(rs.getInt(1), rs.getLong(2));
        }
      }
    }
    return offsets;
  }

  /**
   * Merges every partition's stats into their rows and moves the partitions' offsets, atomically.
   *
   * @throws FencedException if a partition's stored offset is no longer its start offset
   */
  public void commit(String topic, List<PartitionFlush> flushes) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (PartitionFlush f : flushes) {
          fence(c, topic, f);
          mergeStats(c, f);
          writeOffset(c, topic, f);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private void fence(Connection c, String topic, PartitionFlush f) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT next_offset FROM processor_offsets"
                + " WHERE pipeline = ? AND topic = ? AND partition = ? FOR UPDATE")) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setInt(3, f.partition());
      try (ResultSet rs = ps.executeQuery()) {
        Long stored = rs.next() ? rs.getLong(1) : null;
        if (!java.util.Objects.equals(stored, f.startOffset())) {
          throw new FencedException(f.partition());
        }
      }
    }
  }

  private static void mergeStats(Connection c, PartitionFlush f) throws SQLException {
    if (f.stats().isEmpty()) {
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
      for (Map.Entry<MetricKey, MinuteStats> e : f.stats().entrySet()) {
        MetricKey k = e.getKey();
        MinuteStats merged = e.getValue();
        bindKey(read, k, f.partition());
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
        bindKey(write, k, f.partition());
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

  private void writeOffset(Connection c, String topic, PartitionFlush f) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO processor_offsets (pipeline, topic, partition, next_offset, updated_at)
            VALUES (?, ?, ?, ?, now())
            ON CONFLICT (pipeline, topic, partition)
            DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
            """)) {
      ps.setString(1, pipeline);
      ps.setString(2, topic);
      ps.setInt(3, f.partition());
      ps.setLong(4, f.nextOffset());
      ps.executeUpdate();
    }
  }

  /**
   * Creates the daily partitions of the minute table from {@code from} to {@code to} inclusive (UTC
   * days) that do not exist yet.
   */
  public void ensureDailyPartitions(LocalDate from, LocalDate to) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        try {
          s.execute(
              "CREATE TABLE IF NOT EXISTS txn_metrics_1m_%s PARTITION OF txn_metrics_1m FOR VALUES FROM ('%s') TO ('%s')"
                  .formatted(
                      d.format(DAY),
                      d.atStartOfDay().atOffset(ZoneOffset.UTC),
                      d.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC)));
        } catch (SQLException e) {
          // Another processor created it at the same moment ("duplicate_table").
          if (!"42P07".equals(e.getSQLState())) {
            throw e;
          }
        }
      }
    }
  }
}
