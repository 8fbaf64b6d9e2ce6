package io.upbeat.processor.errors;

import io.upbeat.metrics.UserSketch;
import io.upbeat.processor.rollup.Rollups;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The distinct users of error groups per environment and hour ({@code error_users_1h}), written in
 * the errors pipeline's commit. Each row belongs to one events partition: a flush writes the rows
 * of the lowest partition it commits, which only the processor holding that partition (fenced by
 * the offsets in the same transaction) can write, so two processors never write one row. Sketches
 * are unions, so it does not matter which partition's row a user lands in, and a commit retried
 * with the same work counts nobody twice.
 *
 * <p>The table is partitioned by day like {@code txn_metrics_1h}: {@link #prepare} creates the
 * partitions from the hourly retention up to two days ahead and drops older ones; hours outside
 * that range have no partition and are not counted.
 */
public final class ErrorUsers {
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  /** One environment's hour of a group. */
  record Bucket(String environment, Instant hour) {}

  private final DataSource dataSource;
  private final int retentionDays;

  /** [keepFrom, keepTo): the hours with a table partition, as of the last {@link #prepare}. */
  private volatile Instant keepFrom;

  private volatile Instant keepTo;

  /**
   * @param retentionDays days of hours kept (the processor's hourly retention)
   */
  public ErrorUsers(DataSource dataSource, int retentionDays) {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retention must be at least 1 day: " + retentionDays);
    }
    this.dataSource = dataSource;
    this.retentionDays = retentionDays;
  }

  /** Creates the partitions of {@code today} minus the retention to two days ahead; drops older. */
  void prepare(LocalDate today) throws SQLException {
    LocalDate from = today.minusDays(retentionDays);
    LocalDate to = today.plusDays(2);
    Rollups.maintainPartitions(
        dataSource,
        c -> {
          try (Statement s = c.createStatement()) {
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
              Rollups.createPartition(
                  s,
                  "error_users_1h",
                  d.format(DAY),
                  d.atStartOfDay(),
                  d.plusDays(1).atStartOfDay());
            }
          }
          Rollups.dropOlder(c, "error_users_1h", from);
        });
    keepFrom = from.atStartOfDay().toInstant(ZoneOffset.UTC);
    keepTo = to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /**
   * Adds a group's users to its rows of {@code partition}: each row read, merged and written back,
   * in bucket order (rows of one partition are only ever written by one processor at a time, so the
   * order only keeps the statements' plans stable).
   */
  void write(Connection c, int partition, UUID group, Map<Bucket, UserSketch> users)
      throws SQLException {
    Instant from = keepFrom;
    Instant to = keepTo;
    if (users.isEmpty() || from == null) {
      return;
    }
    List<Map.Entry<Bucket, UserSketch>> rows = new ArrayList<>();
    for (Map.Entry<Bucket, UserSketch> e : users.entrySet()) {
      Instant hour = e.getKey().hour();
      if (!hour.isBefore(from) && hour.isBefore(to)) {
        rows.add(e);
      }
    }
    rows.sort(
        Comparator.comparing((Map.Entry<Bucket, UserSketch> e) -> e.getKey().hour())
            .thenComparing(e -> e.getKey().environment()));
    try (PreparedStatement read =
            c.prepareStatement(
                """
                SELECT sketch FROM error_users_1h
                WHERE group_id = ? AND environment = ? AND hour = ? AND source_partition = ?
                """);
        PreparedStatement upsert =
            c.prepareStatement(
                """
                INSERT INTO error_users_1h (group_id, environment, hour, source_partition, sketch)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_id, environment, hour, source_partition)
                DO UPDATE SET sketch = EXCLUDED.sketch
                """)) {
      for (Map.Entry<Bucket, UserSketch> e : rows) {
        Bucket b = e.getKey();
        // A copy: the work's own sketch must not change (the commit may be retried).
        UserSketch merged = new UserSketch().merge(e.getValue());
        read.setObject(1, group);
        read.setString(2, b.environment());
        read.setTimestamp(3, Timestamp.from(b.hour()));
        read.setInt(4, partition);
        try (ResultSet rs = read.executeQuery()) {
          if (rs.next()) {
            merged.merge(rs.getBytes(1));
          }
        }
        upsert.setObject(1, group);
        upsert.setString(2, b.environment());
        upsert.setTimestamp(3, Timestamp.from(b.hour()));
        upsert.setInt(4, partition);
        upsert.setBytes(5, merged.toBytes());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }
}
