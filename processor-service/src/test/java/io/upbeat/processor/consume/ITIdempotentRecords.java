package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.MutableClock;
import io.upbeat.processor.errors.ErrorStore;
import io.upbeat.processor.errors.ErrorWork;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.processor.samples.SampleStore;
import io.upbeat.processor.samples.SampleWork;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idempotent intake in the processor, on the real embedded Kafka and PostgreSQL: a batch sent again
 * with the same {@code Idempotency-Key} (a client's retry, which intake gives a new batch id) is
 * counted once by every pipeline (transaction metrics, error groups, samples), whether the retry
 * lands on the same partition or another one, read in the same poll or long after the original was
 * committed, and with two pipeline instances racing on different partitions. Without a key nothing
 * is deduplicated, and a key older than 24 hours counts again.
 */
class ITIdempotentRecords {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int PARTITIONS = 3;
  private static final List<String> PIPELINES = List.of("metrics", "errors", "samples");
  private final UUID app = UUID.randomUUID();
  private final Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);

  /** The clock the ledgers stamp keys with: moved forward to expire them. */
  private final MutableClock ledgerClock = new MutableClock(Instant.now());

  private final List<PipelineFixture.Running> running = new ArrayList<>();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", PARTITIONS);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (PipelineFixture.Running r : running) {
      r.stop();
    }
    f.close();
  }

  @Test
  void aKeyedBatchSentAgainIsCountedOnceByEveryPipeline() throws Exception {
    startAll("processor");

    // The same partition, in the same poll: the retry is dropped before it enters the work.
    f.send(0, batch("same-partition"), "key-same");
    f.send(0, batch("same-partition"), "key-same");
    // Other partitions, read together: the retry meets the original uncommitted.
    f.send(0, batch("other-partition"), "key-other");
    f.send(1, batch("other-partition"), "key-other");
    // No key: no deduplication, however alike the batches.
    f.send(1, batch("unkeyed"), null);
    f.send(2, batch("unkeyed"), null);
    awaitCaughtUp();
    for (String name : List.of("same-partition", "other-partition")) {
      assertCounted(name, 1);
    }
    assertCounted("unkeyed", 2);

    // Long after the original was committed, on another partition: the commit finds the key and
    // commits again without the retry.
    f.send(2, batch("same-partition"), "key-same");
    f.send(1, batch("other-partition"), "key-other");
    awaitCaughtUp();
    assertCounted("same-partition", 1);
    assertCounted("other-partition", 1);
    for (String pipeline : PIPELINES) {
      assertThat(duplicates(pipeline)).as(pipeline).isEqualTo(4);
    }

    // 25 hours later the key has expired: the same batch counts again, and its key is taken anew.
    ledgerClock.advance(Duration.ofHours(25));
    f.send(2, batch("same-partition"), "key-same");
    awaitCaughtUp();
    assertCounted("same-partition", 2);
    f.send(0, batch("same-partition"), "key-same");
    awaitCaughtUp();
    assertCounted("same-partition", 2);
    assertThat(f.deadLetters()).isEmpty();
    assertThat(
            f.value(
                "SELECT count(*) FROM idempotency_keys WHERE app_id = '"
                    + app
                    + "' AND key IN ('key-same', 'key-other')"))
        .isEqualTo(2 * PIPELINES.size());
  }

  @Test
  void twoProcessorsRacingOnDifferentPartitionsCountEveryKeyOnce() throws Exception {
    PipelineFixture.Running a = errors("processor-errors");
    PipelineFixture.Running b = errors("processor-errors");
    await().atMost(Duration.ofSeconds(60)).until(() -> a.assigned() && b.assigned());
    int keys = 60;
    for (int i = 0; i < keys; i++) {
      // The original and its retry on two partitions, which the two processors share out: some
      // pairs are read by both at once and race to commit the key.
      int first = i % PARTITIONS;
      int second = (i + 1) % PARTITIONS;
      f.send(first, batch("raced-" + i), "key-" + i);
      f.send(second, batch("raced-" + i), "key-" + i);
    }
    awaitCaughtUp(List.of("errors"));
    assertThat(
            f.value(
                "SELECT count(*) FROM error_groups WHERE app_id = '"
                    + app
                    + "' AND type LIKE 'raced-%' AND count = 1"))
        .isEqualTo(keys);
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + app + "'"))
        .isEqualTo(keys);
    double dropped =
        a.count("upbeat.processor.records.duplicate", "pipeline", "errors")
            + b.count("upbeat.processor.records.duplicate", "pipeline", "errors");
    assertThat(dropped).isEqualTo(keys);
    assertThat(f.deadLetters()).isEmpty();
  }

  /** A client's batch: a transaction (with its sample) and an error, both named {@code name}. */
  private EventBatch batch(String name) {
    TransactionEvent txn =
        new TransactionEvent(
            null, null, name, "request", minute, 12.5, "HTTP 2xx", "success", List.of(), null);
    TransactionEvent sample =
        new TransactionEvent(
            "a1b2c3d4e5f6a7b8",
            "0af7651916cd43dd8448eb211c80319c",
            name,
            "request",
            minute,
            12.5,
            "HTTP 2xx",
            "success",
            List.of(),
            null);
    ErrorEvent error = PipelineFixture.error(name, "boom", name);
    // A new batch id each time, as intake gives a retried request.
    return new EventBatch(
        UUID.randomUUID(),
        app,
        Instant.now(),
        new ServiceInfo("shop", null, "1.0", null, null, null, null),
        List.of(txn),
        List.of(error),
        List.of(sample),
        List.of());
  }

  private void assertCounted(String name, long times) throws Exception {
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE app_id = '"
                    + app
                    + "' AND txn_name = '"
                    + name
                    + "'"))
        .as("transactions of %s", name)
        .isEqualTo(times);
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '"
                    + app
                    + "' AND type = '"
                    + name
                    + "'"))
        .as("errors of %s", name)
        .isEqualTo(times);
    assertThat(
            f.value(
                "SELECT count(*) FROM txn_samples WHERE app_id = '"
                    + app
                    + "' AND txn_name = '"
                    + name
                    + "'"))
        .as("samples of %s", name)
        .isEqualTo(times);
  }

  private double duplicates(String pipeline) {
    return running.stream()
        .filter(r -> r.pipeline().name().equals(pipeline))
        .mapToDouble(r -> r.count("upbeat.processor.records.duplicate", "pipeline", pipeline))
        .sum();
  }

  private void awaitCaughtUp() {
    awaitCaughtUp(PIPELINES);
  }

  private void awaitCaughtUp(List<String> pipelines) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var end = f.endOffsets();
              for (String p : pipelines) {
                assertThat(f.storedOffsets(p)).as(p).isEqualTo(end);
              }
            });
  }

  private void startAll(String group) {
    running.add(
        f.start(
            "metrics",
            EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            group + "-metrics",
            f.producer(),
            new LedgerStore<>(
                new OffsetLedger(f.db, "metrics", ledgerClock), new MetricsStore(f.db, 7)),
            meters -> MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, meters)));
    errors(group + "-errors");
    running.add(
        f.start(
            "samples",
            EventBatchCodec.Parts.SAMPLES,
            group + "-samples",
            f.producer(),
            new LedgerStore<>(
                new OffsetLedger(f.db, "samples", ledgerClock), new SampleStore(f.db, 7)),
            meters -> SampleWork.factory(100, Clock.systemUTC(), 7, meters)));
  }

  private PipelineFixture.Running errors(String group) {
    PipelineFixture.Running r =
        f.start(
            "errors",
            EventBatchCodec.Parts.ERRORS,
            group,
            f.producer(),
            new LedgerStore<>(new OffsetLedger(f.db, "errors", ledgerClock), new ErrorStore(5)),
            meters -> ErrorWork.factory(5, meters));
    running.add(r);
    return r;
  }
}
