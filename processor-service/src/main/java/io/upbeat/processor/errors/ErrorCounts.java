package io.upbeat.processor.errors;

import io.upbeat.processor.rollup.MinutePartitions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The errors pipeline's counts per group, environment, release and minute ({@code
 * error_counts_1m}): what error-count alert rules and the release breakdowns read. Added in the
 * commit's transaction, under the group row's lock, so they are exactly once like the group's own
 * count. Minutes outside the days whose partitions exist (older than the minute retention, or more
 * than two days ahead: a wrong clock) are left out: the group still counts them.
 */
public final class ErrorCounts {
  /** One row's key within a group; {@code release} is {@code ""} when the events named none. */
  record Minute(String environment, String release, Instant bucket) {
    static Minute of(String environment, String release, Instant at) {
      return new Minute(
          environment, release == null ? "" : release, at.truncatedTo(ChronoUnit.MINUTES));
    }
  }

  private final DataSource dataSource;
  private final int retentionDays;
  private volatile Instant from;
  private volatile Instant to;

  public ErrorCounts(DataSource dataSource, int retentionDays) {
    this.dataSource = dataSource;
    this.retentionDays = retentionDays;
  }

  /** Creates the minute tables' partitions around {@code today}: before the day's first write. */
  void prepare(LocalDate today) throws SQLException {
    LocalDate first = today.minusDays(retentionDays);
    LocalDate last = today.plusDays(2);
    MinutePartitions.ensure(dataSource, first, last);
    from = first.atStartOfDay().toInstant(ZoneOffset.UTC);
    to = last.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /**
   * Adds a delta's minute counts to its group's rows on {@code c}.
   *
   * @param sourcePartition the lowest events-topic partition of the commit
   */
  void add(Connection c, UUID app, UUID group, GroupDelta d, int sourcePartition)
      throws SQLException {
    Instant lo = from;
    Instant hi = to;
    if (lo == null || d.minutes.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
              source_partition, count)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (app_id, group_id, environment, release, bucket, source_partition)
            DO UPDATE SET count = error_counts_1m.count + EXCLUDED.count
            """)) {
      // In key order, so two commits adding to rows of one group never wait on each other
      // crosswise.
      var sorted =
          new java.util.TreeMap<Minute, Long>(
              java.util.Comparator.comparing(Minute::bucket)
                  .thenComparing(Minute::environment)
                  .thenComparing(Minute::release));
      sorted.putAll(d.minutes);
      int n = 0;
      for (Map.Entry<Minute, Long> e : sorted.entrySet()) {
        Minute m = e.getKey();
        if (m.bucket().isBefore(lo) || !m.bucket().isBefore(hi)) {
          continue;
        }
        ps.setObject(1, app);
        ps.setObject(2, group);
        ps.setString(3, m.environment());
        ps.setString(4, m.release());
        ps.setTimestamp(5, Timestamp.from(m.bucket()));
        ps.setInt(6, sourcePartition);
        ps.setLong(7, e.getValue());
        ps.addBatch();
        n++;
      }
      if (n > 0) {
        ps.executeBatch();
      }
    }
  }
}
