package io.upbeat.intake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An intake instance that crashed inside a Kafka transaction: restarted with the same instance id,
 * its producer aborts the open transaction at once, so read_committed readers (the processor) see
 * the records committed after it promptly rather than after the 30 s transaction timeout. The
 * contrast: a producer with another id leaves the readers stuck behind the open transaction.
 */
class ITStableTransactionalIds {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  private final List<Producer<byte[], byte[]>> abandoned = new ArrayList<>();
  private String topic;
  private Map<String, Object> client;

  @BeforeEach
  void topic() throws Exception {
    topic = stack.stack().topic("fencing-" + UUID.randomUUID());
    client = Map.of("bootstrap.servers", stack.stack().bootstrapServers());
    try (Admin admin = Admin.create(client)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
  }

  @AfterEach
  void closeAbandoned() {
    abandoned.forEach(p -> p.close(Duration.ZERO));
  }

  @Test
  void aRestartedInstanceAbortsItsPredecessorsOpenTransactionAtOnce() {
    String instance = "pod-" + UUID.randomUUID();
    crashInsideATransaction(producers(instance).apply(0));

    // The restart: the same instance id, hence worker 0's transactional id.
    long start = System.nanoTime();
    commit(producers(instance).apply(0), "after restart");
    await().atMost(Duration.ofSeconds(10)).until(() -> committedValues().contains("after restart"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofMillis(EventProducers.TRANSACTION_TIMEOUT_MS / 3));
    assertThat(committedValues()).containsExactly("after restart"); // the open one was aborted
  }

  @Test
  void withAnotherIdTheOpenTransactionHoldsReadersBack() {
    crashInsideATransaction(producers("crashed-" + UUID.randomUUID()).apply(0));

    commit(producers("other-" + UUID.randomUUID()).apply(0), "behind the open transaction");
    // Committed, but invisible to read_committed readers while the older transaction is open.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> committedValues().isEmpty());
  }

  @Test
  void workersOfOneInstanceAndInstancesOfTwoPrefixesNeverShareAnId() {
    EventProducers a = new EventProducers(client, Duration.ofSeconds(2), "", "pod-0", "lz4");
    EventProducers b =
        new EventProducers(client, Duration.ofSeconds(2), "staging.", "pod-0", "lz4");
    assertThat(a.transactionalId(0)).isEqualTo("upbeat-intake-pod-0-0");
    assertThat(a.transactionalId(1)).isNotEqualTo(a.transactionalId(0));
    assertThat(b.transactionalId(0)).isNotEqualTo(a.transactionalId(0));
  }

  @Test
  void recordsWrittenWithAnotherCompressionAreReadBack() {
    for (String compression : List.of("none", "zstd")) {
      EventProducers producers =
          new EventProducers(
              client,
              Duration.ofSeconds(2),
              stack.stack().topicPrefix(),
              compression + "-" + UUID.randomUUID(),
              compression);
      commit(producers.apply(0), "written with " + compression);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> committedValues().containsAll(List.of("written with none", "written with zstd")));
  }

  @Test
  void aTransactionsRecordsLeaveTogetherInOneProduceRequest() {
    try (Producer<byte[], byte[]> producer = producers("batch-" + UUID.randomUUID()).apply(0)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 4; i++) {
        producer.send(record("together " + i));
      }
      producer.flush(); // as the publisher does, before it commits
      producer.commitTransaction();

      assertThat(producerMetric(producer, "record-send-total")).isEqualTo(4.0);
      // Sent one by one with no linger, the first would leave alone: two requests or more.
      assertThat(producerMetric(producer, "records-per-request-avg")).isEqualTo(4.0);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> committedValues().size() == 4);
  }

  private static double producerMetric(Producer<byte[], byte[]> producer, String name) {
    return producer.metrics().entrySet().stream()
        .filter(e -> e.getKey().group().equals("producer-metrics"))
        .filter(e -> e.getKey().name().equals(name))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .findFirst()
        .orElseThrow();
  }

  private EventProducers producers(String instance) {
    return new EventProducers(
        client, Duration.ofSeconds(2), stack.stack().topicPrefix(), instance, "lz4");
  }

  /** Writes inside a transaction that is never committed nor aborted, as a killed process does. */
  private void crashInsideATransaction(Producer<byte[], byte[]> producer) {
    producer.initTransactions();
    producer.beginTransaction();
    producer.send(record("never committed"));
    producer.flush();
    abandoned.add(producer); // closed only after the test: the process is gone
  }

  private void commit(Producer<byte[], byte[]> producer, String value) {
    try (producer) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record(value));
      producer.commitTransaction();
    }
  }

  private ProducerRecord<byte[], byte[]> record(String value) {
    return new ProducerRecord<>(topic, 0, null, value.getBytes(StandardCharsets.UTF_8));
  }

  /** What a read_committed reader sees in the topic now. */
  private List<String> committedValues() {
    Map<String, Object> config = new HashMap<>(client);
    config.put("isolation.level", "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp); // the last stable offset
      List<String> values = new ArrayList<>();
      while (consumer.position(tp) < end) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
      return values;
    }
  }
}
