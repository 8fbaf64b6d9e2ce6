package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static io.upbeat.processor.consume.PipelineFixture.header;
import static io.upbeat.processor.consume.PipelineFixture.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A record whose effects PostgreSQL refuses, on the real broker and database: it goes to the
 * dead-letter topic with why, and every other tenant's data is stored within the freshness bound,
 * instead of the pipeline retrying the same flush forever.
 */
class ITPoisonRecords {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private static final int PARTITIONS = 3;
  private final UUID poisoned = UUID.randomUUID();
  private final UUID other = UUID.randomUUID();
  private final UUID third = UUID.randomUUID();
  private PipelineFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", PARTITIONS);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void deadLettersTheRecordAConstraintRefusesAndStoresTheRestWithinFiveSeconds() throws Exception {
    // Test-only: PostgreSQL refuses one error type, as it would refuse any value it cannot store.
    f.execute(
        "ALTER TABLE error_groups ADD CONSTRAINT test_poison"
            + " CHECK (type <> 'com.shop.PoisonException')");
    PipelineFixture.Running run = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);

    long poisonOffset = -1;
    EventBatch poison =
        batch(poisoned, List.of(), List.of(error("com.shop.PoisonException", "bad", "GET /x")));
    long start = System.nanoTime();
    for (int i = 0; i < 12; i++) {
      int partition = i % PARTITIONS;
      f.send(partition, batch(other, List.of(), List.of(error("com.shop.A", "a " + i, "GET /a"))));
      f.send(partition, batch(third, List.of(), List.of(error("com.shop.B", "b " + i, "GET /b"))));
      if (i == 7) { // partition 1, between good records of the same and other apps
        poisonOffset = f.send(partition, poison);
      }
      f.send(
          partition, batch(poisoned, List.of(), List.of(error("com.shop.C", "c " + i, "GET /c"))));
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(groupCount(other)).isEqualTo(12);
              assertThat(groupCount(third)).isEqualTo(12);
              assertThat(groupCount(poisoned)).isEqualTo(12); // its good records, not the poison
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));

    List<ConsumerRecord<byte[], byte[]>> dead = f.deadLetters();
    assertThat(dead).hasSize(1);
    ConsumerRecord<byte[], byte[]> letter = dead.getFirst();
    assertThat(letter.value()).isEqualTo(EventBatchCodec.encodeRecord(poison).value());
    assertThat(letter.key()).isEqualTo("key".getBytes());
    assertThat(header(letter, "upbeat-fault")).isEqualTo("data_fault");
    assertThat(header(letter, "upbeat-sqlstate")).isEqualTo("23514");
    assertThat(header(letter, "upbeat-reason")).contains("test_poison");
    assertThat(header(letter, "upbeat-pipeline")).isEqualTo("errors");
    assertThat(header(letter, "upbeat-source")).isEqualTo(f.topic + "-1@" + poisonOffset);
    assertThat(
            run.count(
                "upbeat.processor.records.deadlettered",
                "pipeline",
                "errors",
                "reason",
                "data_fault"))
        .isEqualTo(1);
    assertThat(run.count("upbeat.processor.flushes.poisoned", "pipeline", "errors")).isPositive();
    assertThat(
            run.meters().timer("upbeat.processor.poison.isolation", "pipeline", "errors").count())
        .isPositive();
    run.stop();
  }

  /**
   * A pipeline holds its records without their values and reads them again to isolate a poisoned
   * one; when that re-read fails, it reads the partition again from its stored offset holding the
   * records whole, and isolates the poison all the same: one dead letter, everything else once.
   */
  @Test
  void isolatesThePoisonEvenWhenRecordsCannotBeReadAgain() throws Exception {
    f.execute(
        "ALTER TABLE error_groups ADD CONSTRAINT test_poison"
            + " CHECK (type <> 'com.shop.PoisonException')");
    f.failRereads = true;
    PipelineFixture.Running run = f.errors("processor-errors", f.producer());
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);

    EventBatch poison =
        batch(poisoned, List.of(), List.of(error("com.shop.PoisonException", "bad", "GET /x")));
    for (int i = 0; i < 12; i++) {
      int partition = i % PARTITIONS;
      f.send(partition, batch(other, List.of(), List.of(error("com.shop.A", "a " + i, "GET /a"))));
      if (i == 4) {
        f.send(partition, poison);
      }
      f.send(
          partition, batch(poisoned, List.of(), List.of(error("com.shop.C", "c " + i, "GET /c"))));
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(groupCount(other)).isEqualTo(12);
              assertThat(groupCount(poisoned)).isEqualTo(12);
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
    List<ConsumerRecord<byte[], byte[]>> dead = f.deadLetters();
    assertThat(dead).hasSize(1);
    assertThat(dead.getFirst().value()).isEqualTo(EventBatchCodec.encodeRecord(poison).value());
    // Counted exactly once, though the partition was read twice.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> groupCount(other) == 12 && groupCount(poisoned) == 12);
    run.stop();
  }

  @Test
  void aNulWrittenStraightIntoTheTopicNeverStallsOtherTenants() throws Exception {
    PipelineFixture.Running errors = f.errors("processor-errors", f.producer());
    PipelineFixture.Running metrics = f.metrics("processor-metrics");
    await().atMost(Duration.ofSeconds(30)).until(() -> errors.assigned() && metrics.assigned());

    // Written with the event-model codec, bypassing intake and its text rule.
    EventBatch nul =
        batch(
            poisoned,
            List.of(txn("GET /a\u0000b", 5)),
            List.of(error("com.shop.Nul", "user\u0000 is null", "GET /a\u0000b")));
    long start = System.nanoTime();
    for (int i = 0; i < 9; i++) {
      int partition = i % PARTITIONS;
      if (i == 4) {
        f.send(partition, nul);
      }
      f.send(
          partition,
          batch(
              other, List.of(txn("GET /ok", 2)), List.of(error("com.shop.A", "a " + i, "GET /a"))));
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(groupCount(other)).isEqualTo(9);
              assertThat(
                      f.value(
                          "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE app_id = '"
                              + other
                              + "' AND txn_name = 'GET /ok'"))
                  .isEqualTo(9);
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                f.storedOffsets("errors").equals(f.endOffsets())
                    && f.storedOffsets("metrics").equals(f.endOffsets()));

    // Each pipeline either stored the NUL record's effects (as text PostgreSQL accepts) or
    // dead-lettered it: never both, never neither.
    List<ConsumerRecord<byte[], byte[]>> dead = f.deadLetters();
    for (String pipeline : List.of("errors", "metrics")) {
      long letters =
          dead.stream().filter(r -> pipeline.equals(header(r, "upbeat-pipeline"))).count();
      long stored =
          pipeline.equals("errors")
              ? groupCount(poisoned)
              : f.value(
                  "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> ''"
                      + " AND app_id = '"
                      + poisoned
                      + "'");
      assertThat(letters + stored).as(pipeline).isOne();
      if (letters == 1) {
        ConsumerRecord<byte[], byte[]> letter =
            dead.stream()
                .filter(r -> pipeline.equals(header(r, "upbeat-pipeline")))
                .findFirst()
                .get();
        assertThat(header(letter, "upbeat-sqlstate")).isEqualTo("22021");
        assertThat(letter.value()).isEqualTo(EventBatchCodec.encodeRecord(nul).value());
      }
    }
    errors.stop();
    metrics.stop();
  }

  @Test
  void aReplayedDeadLetterIsProcessedAgainByItsPipelineOnly() throws Exception {
    f.execute(
        "ALTER TABLE error_groups ADD CONSTRAINT test_poison"
            + " CHECK (type <> 'com.shop.PoisonException')");
    PipelineFixture.Running errors = f.errors("processor-errors", f.producer());
    PipelineFixture.Running metrics = f.metrics("processor-metrics");
    await().atMost(Duration.ofSeconds(30)).until(() -> errors.assigned() && metrics.assigned());
    f.send(
        0,
        batch(
            poisoned,
            List.of(txn("GET /p", 4)),
            List.of(error("com.shop.PoisonException", "bad", "GET /p"))));
    await().atMost(Duration.ofSeconds(10)).until(() -> f.deadLetters().size() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> transactions(poisoned) == 1);

    // The cause is fixed; the operator replays the errors pipeline's dead letters.
    f.execute("ALTER TABLE error_groups DROP CONSTRAINT test_poison");
    java.io.ByteArrayOutputStream listing = new java.io.ByteArrayOutputStream();
    int replayed;
    try (var producer = f.producer()) {
      replayed =
          io.upbeat.processor.replay.DeadLetterReplay.replay(
              new io.upbeat.processor.replay.DeadLetterReplay.Options(
                  f.s.bootstrapServers(),
                  new io.upbeat.events.Topics(f.s.topicPrefix()),
                  "errors",
                  null,
                  null,
                  false,
                  java.util.Map.of()),
              producer,
              new java.io.PrintStream(listing, true, java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(replayed).isOne();
    assertThat(listing.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("data_fault of " + f.topic + "-0@0");

    await().atMost(Duration.ofSeconds(10)).until(() -> groupCount(poisoned) == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> f.storedOffsets("metrics").equals(f.endOffsets()));
    assertThat(transactions(poisoned)).isOne(); // the metrics pipeline skipped the replay
    assertThat(f.deadLetters()).hasSize(1);
    errors.stop();
    metrics.stop();
  }

  @Test
  void aReplayReplaysEachDeadLetterOnceHoweverManyCopiesTheTopicHolds() throws Exception {
    // Letters as the pipelines write them: one sent twice (a retried send, a lost ack), the same
    // record dead-lettered by another pipeline, and another record.
    String first = f.topic + "-0@4";
    String second = f.topic + "-1@9";
    List<List<String>> letters =
        List.of(
            List.of(first, "errors"),
            List.of(first, "errors"),
            List.of(first, "metrics"),
            List.of(second, "errors"));
    try (var producer = f.producer()) {
      for (List<String> l : letters) {
        var letter =
            new org.apache.kafka.clients.producer.ProducerRecord<>(
                f.deadLetterTopic,
                0,
                "key".getBytes(),
                EventBatchCodec.encode(batch(other, List.of(), List.of())));
        letter.headers().add("upbeat-fault", "data_fault".getBytes());
        letter.headers().add("upbeat-source", l.get(0).getBytes());
        letter.headers().add("upbeat-pipeline", l.get(1).getBytes());
        producer.send(letter).get();
      }
    }
    java.io.ByteArrayOutputStream listing = new java.io.ByteArrayOutputStream();
    int replayed;
    try (var producer = f.producer()) {
      replayed =
          io.upbeat.processor.replay.DeadLetterReplay.replay(
              new io.upbeat.processor.replay.DeadLetterReplay.Options(
                  f.s.bootstrapServers(),
                  new io.upbeat.events.Topics(f.s.topicPrefix()),
                  null,
                  null,
                  null,
                  false,
                  java.util.Map.of()),
              producer,
              new java.io.PrintStream(listing, true, java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(replayed).isEqualTo(3);
    assertThat(f.endOffsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
    assertThat(listing.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("@1: duplicate of " + first + ", pipeline errors: skipped");
  }

  private long transactions(UUID app) throws Exception {
    return f.value(
        "SELECT coalesce(sum(count), 0) FROM txn_metrics_1m WHERE txn_name <> '' AND app_id = '"
            + app
            + "'");
  }

  private long groupCount(UUID app) throws Exception {
    return f.value("SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = '" + app + "'");
  }
}
