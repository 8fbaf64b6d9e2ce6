package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static io.upbeat.processor.consume.PipelineFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * While the dead-letter topic cannot be written, a pipeline pauses before the record to be
 * dead-lettered instead of moving past it, and once it can, the dead letter is there and the rest
 * is processed, nothing lost.
 */
class ITDeadLetterFailure {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private PipelineFixture f;
  private FailingProducer deadLetters;

  @BeforeEach
  void setUp() throws Exception {
    f = new PipelineFixture(stack.stack(), "upbeat.events", 1);
    deadLetters = new FailingProducer(f.s.bootstrapServers());
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void anUndecodableRecordIsNotPassedUntilItsDeadLetterIsDurable() throws Exception {
    deadLetters.failing = true;
    PipelineFixture.Running run = f.errors("processor-errors", deadLetters);
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);
    f.send(0, batch(app, List.of(), List.of(error("com.shop.A", "a", null))));
    long bad = f.sendRaw(0, "{\"v\":99}".getBytes());
    f.send(0, batch(app, List.of(), List.of(error("com.shop.A", "a", null))));

    assertPausedBefore(bad);
    deadLetters.failing = false;
    awaitEverythingAndOneDeadLetter("undecodable", run);
  }

  @Test
  void aRecordWithADataFaultIsNotPassedUntilItsDeadLetterIsDurable() throws Exception {
    f.execute(
        "ALTER TABLE error_groups ADD CONSTRAINT test_poison"
            + " CHECK (type <> 'com.shop.PoisonException')");
    deadLetters.failing = true;
    PipelineFixture.Running run = f.errors("processor-errors", deadLetters);
    await().atMost(Duration.ofSeconds(30)).until(run::assigned);
    f.send(0, batch(app, List.of(), List.of(error("com.shop.A", "a", null))));
    long bad =
        f.send(0, batch(app, List.of(), List.of(error("com.shop.PoisonException", "p", null))));
    f.send(0, batch(app, List.of(), List.of(error("com.shop.A", "a", null))));

    assertPausedBefore(bad);
    deadLetters.failing = false;
    awaitEverythingAndOneDeadLetter("data_fault", run);
  }

  private void assertPausedBefore(long bad) {
    await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters.refused > 0);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> f.storedOffsets("errors").get(0) <= bad && f.deadLetters().isEmpty());
  }

  private void awaitEverythingAndOneDeadLetter(String fault, PipelineFixture.Running run)
      throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> f.storedOffsets("errors").equals(f.endOffsets()));
    assertThat(f.value("SELECT sum(count) FROM error_groups WHERE app_id = '" + app + "'"))
        .isEqualTo(2);
    assertThat(f.deadLetters())
        .singleElement()
        .satisfies(r -> assertThat(header(r, "upbeat-fault")).isEqualTo(fault));
    assertThat(
            run.count(
                "upbeat.processor.records.deadlettered", "pipeline", "errors", "reason", fault))
        .isEqualTo(1);
    run.stop();
  }

  /** A real producer whose sends fail (as when the brokers are unreachable) while told to. */
  static final class FailingProducer extends KafkaProducer<byte[], byte[]> {
    volatile boolean failing;
    volatile int refused;

    FailingProducer(String bootstrap) {
      super(
          Map.of("bootstrap.servers", bootstrap, "acks", "all"),
          new ByteArraySerializer(),
          new ByteArraySerializer());
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      if (failing) {
        refused++;
        TimeoutException e = new TimeoutException("test: brokers unreachable");
        if (callback != null) {
          callback.onCompletion(null, e);
        }
        return CompletableFuture.failedFuture(e);
      }
      return super.send(record, callback);
    }
  }
}
