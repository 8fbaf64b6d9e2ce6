package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The record headers intake writes beside the value. A pipeline skips, without decoding, the
 * records whose parts header says they hold nothing it reads (the errors pipeline and a batch of
 * transactions only), still moves its offsets past them, and decodes every record without the
 * header as before.
 */
class ITPartsHeader {
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
  void theErrorsPipelineSkipsBatchesWithoutErrorsByTheirHeader() throws Exception {
    PipelineFixture.Running run = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);

    for (int i = 0; i < 5; i++) {
      f.send(i % 2, batch(app, List.of(txn("GET /a", 10), txn("GET /b", 20)), List.of()));
    }
    for (int i = 0; i < 3; i++) {
      f.send(
          i % 2,
          batch(app, List.of(txn("GET /a", 10)), List.of(error("com.shop.A", "a", "GET /a"))));
    }
    EventBatch old = batch(app, List.of(), List.of(error("com.shop.A", "old", "GET /a")));
    f.sendRaw(0, EventBatchCodec.encode(old)); // no header: decoded, grouped
    // A header that says "transactions only" over a batch with an error: skipped unread, which
    // shows the pipeline trusts the header rather than decoding to check.
    EventBatch mislabelled = batch(app, List.of(), List.of(error("com.shop.A", "x", "GET /a")));
    f.send(
        1,
        EventBatchCodec.encode(mislabelled),
        EventBatchCodec.partsHeader(batch(app, List.of(txn("GET /a", 1)), List.of())));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
    assertThat(
            f.value(
                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + app + "'"))
        .isEqualTo(4);
    assertThat(run.count("upbeat.processor.records.skipped", "pipeline", "errors")).isEqualTo(6);
    assertThat(run.count("upbeat.processor.records", "pipeline", "errors")).isEqualTo(10);
    assertThat(f.deadLetters()).isEmpty();
    run.stop();
  }

  /**
   * The metrics pipeline reads each record's timings from its header when it has one it can read,
   * and from the value otherwise: a header that disagrees with its value is what gets counted
   * (which shows the header was read), one it cannot read costs nothing but speed.
   */
  @Test
  void theMetricsPipelineReadsTimingsFromTheirHeaderElseFromTheValue() throws Exception {
    PipelineFixture.Running run = f.metrics("processor-metrics");
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);

    f.send(0, batch(app, List.of(txn("GET /a", 10), txn("GET /a", 30)), List.of()));
    EventBatch inValue = batch(app, List.of(txn("GET /value", 5)), List.of());
    EventBatch inHeader =
        batch(app, List.of(txn("GET /header", 7), txn("GET /header", 9)), List.of());
    f.send(
        1,
        EventBatchCodec.encode(inValue),
        EventBatchCodec.partsHeader(inValue),
        EventTimings.encode(inHeader));
    EventBatch unreadable = batch(app, List.of(txn("GET /b", 20)), List.of());
    byte[] garbled = EventTimings.encode(unreadable);
    garbled[0] = 99; // a version no reader knows
    f.send(0, EventBatchCodec.encode(unreadable), EventBatchCodec.partsHeader(unreadable), garbled);
    f.sendRaw(1, EventBatchCodec.encode(batch(app, List.of(txn("GET /old", 40)), List.of())));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    String counts =
        "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE app_id = '"
            + app
            + "' AND txn_name = '%s'";
    assertThat(f.value(counts.formatted("GET /a"))).isEqualTo(2);
    assertThat(f.value(counts.formatted("GET /header"))).isEqualTo(2);
    assertThat(f.value(counts.formatted("GET /value"))).isZero();
    assertThat(f.value(counts.formatted("GET /b"))).isEqualTo(1);
    assertThat(f.value(counts.formatted("GET /old"))).isEqualTo(1);
    assertThat(f.deadLetters()).isEmpty();
    run.stop();
  }
}
