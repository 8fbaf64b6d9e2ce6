package io.upbeat.processor.rollup;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import javax.sql.DataSource;

/**
 * The per-minute tables partitioned by day and kept for {@code
 * upbeat.processor.minute-retention-days}: their partitions are created ahead together (by each
 * pipeline that writes one of them, every day) and dropped together by the rollup job, so a new
 * minute table only needs to be listed here.
 */
public final class MinutePartitions {
  /** The tables with one partition per UTC day of minute buckets. */
  public static final List<String> TABLES = List.of("txn_metrics_1m", "error_counts_1m");

  /**
   * Per cent of each page filled by inserts: every flush rewrites the minute rows it touches, and
   * the room left lets the new version go on the same page as a HOT update (no index entries, no
   * new page), since the upserts change no indexed column. Measured in docs/benchmarks.md ("Rollups
   * and minute rows").
   */
  public static final int FILLFACTOR = 70;

  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  private MinutePartitions() {}

  /** Creates the partitions of every minute table for the days [from, to], unless they exist. */
  public static void ensure(DataSource dataSource, LocalDate from, LocalDate to)
      throws SQLException {
    Rollups.maintainPartitions(
        dataSource,
        c -> {
          try (Statement s = c.createStatement()) {
            for (String table : TABLES) {
              for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                Rollups.createPartition(
                    s, table, d.format(DAY), d.atStartOfDay(), d.plusDays(1).atStartOfDay());
              }
            }
          }
        });
  }
}
