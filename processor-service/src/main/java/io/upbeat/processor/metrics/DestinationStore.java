package io.upbeat.processor.metrics;

import io.upbeat.metrics.DurationStats;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.consume.WorkStore.Flush;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Merges the pending destination metrics of every partition in a commit into {@code
 * destination_metrics_1m} (V37), one row per key under the commit's writer partition ({@link
 * WorkStore#writer}), inside the metrics pipeline's commit: exactly once, as the minute metrics. As
 * there, one round trip reads the stored rows a flush touches, the merge happens here (sketches do
 * not merge in SQL) and one upsert writes them back, per {@link MetricsStore#CHUNK} rows.
 */
final class DestinationStore {
  private DestinationStore() {}

  /**
   * One key's row of the writer partition: a copy of the pending stats (the works never change in a
   * commit, which may be retried), then merged with the stored.
   */
  private record Row(DestinationAggregator.Key key, int partition, DurationStats stats) {}

  /** Writes the flushes' destination metrics on {@code c}; returns the rows written. */
  static int write(Connection c, List<Flush<MetricsWork>> flushes) throws SQLException {
    int writer = WorkStore.writer(flushes);
    Map<DestinationAggregator.Key, Row> byKey = new LinkedHashMap<>();
    for (Flush<MetricsWork> f : flushes) {
      for (Map.Entry<DestinationAggregator.Key, DurationStats> e :
          f.work().destinations().pending().entrySet()) {
        byKey
            .computeIfAbsent(e.getKey(), k -> new Row(k, writer, new DurationStats()))
            .stats()
            .merge(e.getValue());
      }
    }
    List<Row> rows = new ArrayList<>(byKey.values());
    for (int from = 0; from < rows.size(); from += MetricsStore.CHUNK) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + MetricsStore.CHUNK));
      readStored(c, chunk);
      upsert(c, chunk);
    }
    return rows.size();
  }

  private static void readStored(Connection c, List<Row> rows) throws SQLException {
    try (PreparedStatement read =
        c.prepareStatement(
            """
            SELECT k.i, m.count, m.sum_ms, m.min_ms, m.max_ms, m.failures, m.sketch
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::int[])
                 WITH ORDINALITY AS k(app_id, environment, destination, epoch, part, i)
            JOIN destination_metrics_1m m
              ON m.app_id = k.app_id AND m.environment = k.environment
             AND m.destination = k.destination
             AND m.bucket = to_timestamp(k.epoch) AND m.source_partition = k.part
            """)) {
      bindKeys(c, read, rows);
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          MetricsStore.mergeStored(rows.get((int) rs.getLong(1) - 1).stats(), rs, 2);
        }
      }
    }
  }

  private static void upsert(Connection c, List<Row> rows) throws SQLException {
    try (PreparedStatement write =
        c.prepareStatement(
            """
            INSERT INTO destination_metrics_1m (app_id, environment, destination, bucket,
              source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
            SELECT app_id, environment, destination, to_timestamp(epoch), part,
                   count, sum_ms, min_ms, max_ms, failures, sketch
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::int[],
                        ?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::bigint[],
                        ?::bytea[])
                 AS r(app_id, environment, destination, epoch, part,
                      count, sum_ms, min_ms, max_ms, failures, sketch)
            ON CONFLICT (app_id, environment, destination, bucket, source_partition)
            DO UPDATE SET count = EXCLUDED.count, sum_ms = EXCLUDED.sum_ms,
              min_ms = EXCLUDED.min_ms, max_ms = EXCLUDED.max_ms,
              failures = EXCLUDED.failures, sketch = EXCLUDED.sketch
            """)) {
      bindKeys(c, write, rows);
      MetricsStore.bindStats(c, write, 6, rows.stream().map(Row::stats).toList());
      write.executeUpdate();
    }
  }

  /** Parameters 1 to 5: the rows' keys as arrays (minutes as epoch seconds). */
  private static void bindKeys(Connection c, PreparedStatement ps, List<Row> rows)
      throws SQLException {
    int n = rows.size();
    UUID[] apps = new UUID[n];
    String[] environments = new String[n];
    String[] destinations = new String[n];
    Long[] minutes = new Long[n];
    Integer[] partitions = new Integer[n];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      apps[i] = r.key().appId();
      environments[i] = r.key().environment();
      destinations[i] = r.key().destination();
      minutes[i] = r.key().minute().getEpochSecond();
      partitions[i] = r.partition();
    }
    ps.setArray(1, c.createArrayOf("uuid", apps));
    ps.setArray(2, c.createArrayOf("text", environments));
    ps.setArray(3, c.createArrayOf("text", destinations));
    ps.setArray(4, c.createArrayOf("bigint", minutes));
    ps.setArray(5, c.createArrayOf("int", partitions));
  }
}
