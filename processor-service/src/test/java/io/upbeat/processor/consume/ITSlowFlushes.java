package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatchCodec;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pipeline whose flushes take longer than its flush interval (a busy database, many keys) still
 * consumes for at least half an interval between two flushes ({@link FlushCadence}), rather than
 * one poll: it keeps up by writing more events per flush, since a flush's rows are bounded by keys,
 * not events.
 */
class ITSlowFlushes {
  private static final Duration SLOW_COMMIT = Duration.ofMillis(400);
  private static final int RECORDS = 300;

  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 2);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void consumesHalfAnIntervalOrMoreBetweenFlushesSlowerThanIt() throws Exception {
    for (int i = 0; i < RECORDS; i++) {
      f.send(i % 2, batch(app, List.of(txn("GET /a", 10)), List.of()));
    }
    AtomicInteger commits = new AtomicInteger();
    WorkStore<MetricsWork> ledger =
        new LedgerStore<>(
            new OffsetLedger(f.dataSource(), "metrics"), new MetricsStore(f.dataSource(), 7));
    WorkStore<MetricsWork> slow =
        new WorkStore<>() {
          @Override
          public Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts)
              throws SQLException {
            return ledger.claim(topic, logStarts);
          }

          @Override
          public int commit(String topic, List<Flush<MetricsWork>> flushes) throws SQLException {
            commits.incrementAndGet();
            try {
              Thread.sleep(SLOW_COMMIT); // stands for a slow database, not for waiting on a result
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return ledger.commit(topic, flushes);
          }

          @Override
          public void prepare(LocalDate today) throws SQLException {
            ledger.prepare(today);
          }
        };
    long start = System.nanoTime();
    PipelineFixture.Running run =
        f.start(
            "metrics",
            EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            "processor-metrics",
            f.producer(),
            slow,
            meters -> MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, meters));

    // With one poll (5 records) per flush, 300 records would need 60 flushes of 400 ms: 24 s.
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(commits.get()).as("flushes for %d records in %s", RECORDS, took).isLessThan(30);
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE app_id = '"
                    + app
                    + "' AND txn_name = 'GET /a'"))
        .isEqualTo(RECORDS);
    run.stop();
  }
}
