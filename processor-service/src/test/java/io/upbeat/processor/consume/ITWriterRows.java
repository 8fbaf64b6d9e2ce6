package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.DestinationMetric;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.metrics.LatencySketch;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metrics pipeline writes one minute row per key and commit, under the commit's lowest
 * partition, not one per key and partition: a flush of three partitions that all saw a key writes
 * one row (and one service-map row, and one rollup marker), and the totals stay exact when a later
 * commit of other partitions writes under another.
 */
class ITWriterRows {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(120);
  private PipelineFixture f;
  private LedgerStore<MetricsWork> store;
  private Supplier<MetricsWork> works;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 3);
    store = new LedgerStore<>(new OffsetLedger(f.db, "metrics"), new MetricsStore(f.db, 7));
    store.prepare(LocalDate.now(ZoneOffset.UTC));
    store.claim(f.topic, Map.of(0, 0L, 1, 0L, 2, 0L));
    works =
        MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, new SimpleMeterRegistry());
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void aCommitOfSeveralPartitionsWritesOneRowPerKeyUnderItsLowestPartition() throws Exception {
    // Partitions in the order a pipeline may list them: the lowest is not first.
    store.commit(f.topic, List.of(flush(2, 0, 10, 20), flush(0, 0, 30), flush(1, 0, 40, 50, 60)));

    assertThat(rows("txn_metrics_1m", "txn_name = 'GET /a'"))
        .containsExactly(List.of(0L, 6L, 210L));
    assertThat(rows("destination_metrics_1m", "destination = 'db:5432'"))
        .containsExactly(List.of(0L, 6L, 210L));
    assertThat(
            f.value(
                "SELECT count(*) FILTER (WHERE source = 0) * 10 + count(*)"
                    + " FROM rollup_pending WHERE app_id = '"
                    + app
                    + "'"))
        .as("one marker, partition 0's")
        .isEqualTo(11);

    // A later commit of partitions 1 and 2 only (another processor's, after a rebalance, say):
    // its rows go under partition 1, and both rows together count everything once.
    store.commit(f.topic, List.of(flush(2, 1, 5), flush(1, 1, 7)));

    assertThat(rows("txn_metrics_1m", "txn_name = 'GET /a'"))
        .containsExactly(List.of(0L, 6L, 210L), List.of(1L, 2L, 12L));
    assertThat(rows("destination_metrics_1m", "destination = 'db:5432'"))
        .containsExactly(List.of(0L, 6L, 210L), List.of(1L, 2L, 12L));
    assertThat(f.storedOffsets("metrics")).isEqualTo(Map.of(0, 1L, 1, 2L, 2, 2L));
  }

  /** One partition's work of one record: a transaction per duration, and as many calls to a db. */
  private WorkStore.Flush<MetricsWork> flush(int partition, long offset, double... durations) {
    List<TransactionEvent> txns = new ArrayList<>();
    LatencySketch sketch = LatencySketch.empty();
    double sum = 0;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double d : durations) {
      txns.add(
          new TransactionEvent(
              null, null, "GET /a", "request", minute, d, "HTTP 2xx", "success", List.of(), null));
      sketch.add(d);
      sum += d;
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    DestinationMetric calls =
        new DestinationMetric(
            "db:5432", minute, durations.length, 0, sum, min, max, sketch.toBytes());
    MetricsWork work = works.get();
    work.add(batch(app, txns, List.of()).withDestinationMetrics(List.of(calls)));
    return new WorkStore.Flush<>(partition, offset, offset + 1, work);
  }

  /** Each row's source partition, count and sum, by partition. */
  private List<List<Long>> rows(String table, String where) throws Exception {
    Map<Long, List<Long>> rows = new LinkedHashMap<>();
    try (Connection c = f.db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT source_partition, count, sum_ms::bigint FROM "
                    + table
                    + " WHERE app_id = '"
                    + app
                    + "' AND "
                    + where
                    + " ORDER BY source_partition")) {
      while (rs.next()) {
        rows.put(rs.getLong(1), List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
      }
    }
    return List.copyOf(rows.values());
  }
}
