package io.upbeat.processor.consume;

import static io.upbeat.processor.consume.PipelineFixture.batch;
import static io.upbeat.processor.consume.PipelineFixture.error;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import io.upbeat.storage.Schema;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The processor on a broker that only serves clients logged in with SASL/PLAIN, given nothing but
 * {@code spring.kafka.*}: its pipelines' consumers store a batch in PostgreSQL, its dead-letter
 * producer writes the letter of an undecodable record, and its topic check creates both topics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafka {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();
  private static final String PREFIX = "sasl-processor-" + UUID.randomUUID() + ".";

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    database(stack, registry);
    SaslKafka.springProperties(SaslKafka.PASSWORD).forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> PREFIX);
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void processesABatchAndDeadLettersThroughTheSecuredListener() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                TestHttp.get("http://127.0.0.1:" + port + "/actuator/health/readiness").statusCode()
                    == 200);
    UUID app = UUID.randomUUID();
    sendBatchAndGarbage(topics.events(), app);
    await().atMost(Duration.ofSeconds(30)).until(() -> errorGroups(stack, app) == 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !deadLetters(topics).isEmpty());
  }

  /**
   * Sends, logged in as the shared account, a batch with one error of {@code app} and a record that
   * is not a batch (dead-lettered).
   */
  static void sendBatchAndGarbage(String eventsTopic, UUID app) throws Exception {
    EventBatch batch = batch(app, List.of(), List.of(error("com.shop.Secured", "over SASL", null)));
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      ProducerRecord<byte[], byte[]> r =
          new ProducerRecord<>(eventsTopic, "k".getBytes(), EventBatchCodec.encode(batch));
      r.headers().add(EventBatchCodec.PARTS_HEADER, EventBatchCodec.partsHeader(batch));
      producer.send(r).get();
      producer
          .send(
              new ProducerRecord<>(
                  eventsTopic, "k".getBytes(), "not a batch".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
  }

  /**
   * Migrates the stack's database and points the processor at it (its Kafka settings are each
   * test's own: only the secured broker).
   */
  static void database(LocalStackExtension stack, DynamicPropertyRegistry registry) {
    Schema.flyway(stack.stack().dataSource()).migrate();
    stack.springProperties().entrySet().stream()
        .filter(e -> e.getKey().startsWith("spring.datasource."))
        .forEach(e -> registry.add(e.getKey(), e::getValue));
  }

  /** Whether the processor on {@code port} has counted a refusal by Kafka of {@code pipeline}. */
  static boolean refusalCounted(int port, String pipeline) {
    return TestHttp.get("http://127.0.0.1:" + port + "/actuator/prometheus")
        .body()
        .matches(
            "(?s).*upbeat_processor_kafka_refused_total\\{[^}]*pipeline=\""
                + pipeline
                + "\"[^}]*} [1-9].*");
  }

  static long errorGroups(LocalStackExtension stack, UUID app) throws Exception {
    try (Connection c = stack.stack().dataSource().getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "SELECT coalesce(sum(count), 0) FROM error_groups WHERE app_id = ?")) {
      st.setObject(1, app);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> config = new HashMap<>(SaslKafka.client(SaslKafka.PASSWORD));
    config.put("acks", "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static List<ConsumerRecord<byte[], byte[]>> deadLetters(Topics topics) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            SaslKafka.client(SaslKafka.PASSWORD),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> tps =
          consumer.partitionsFor(topics.eventsDeadLetter()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
      }
      return letters;
    }
  }
}
