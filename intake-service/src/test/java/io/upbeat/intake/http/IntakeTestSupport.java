package io.upbeat.intake.http;

import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.TokenDigest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What intake's integration tests do around it: publish tokens as api-service does, read events.
 */
public final class IntakeTestSupport {
  private static final SecureRandom RANDOM = new SecureRandom();

  private IntakeTestSupport() {}

  public static String newSecretToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "ub_app_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Publishes a live token (or, with a null app, its tombstone) on the app-token topic. */
  public static void publishToken(String bootstrap, String topic, String token, UUID app) {
    publishToken(Map.of("bootstrap.servers", bootstrap), topic, token, app);
  }

  /** {@link #publishToken(String, String, String, UUID)} with a client's own settings. */
  public static void publishToken(
      Map<String, Object> client, String topic, String token, UUID app) {
    Map<String, Object> config = new HashMap<>(client);
    config.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      byte[] value =
          app == null
              ? null
              : AppTokenCodec.encode(new AppTokenRecord(app, "secret", Instant.now()));
      producer.send(new ProducerRecord<>(topic, TokenDigest.sha256Hex(token), value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every committed batch on the events topic (aborted transactions are invisible). */
  public static List<EventBatch> committedBatches(String bootstrap, String topic) {
    return committedRecords(bootstrap, topic).stream()
        .map(r -> EventBatchCodec.decode(r.value()))
        .toList();
  }

  /** Every committed record on {@code topic}, read to its end (aborted ones are invisible). */
  public static List<ConsumerRecord<byte[], byte[]>> committedRecords(
      String bootstrap, String topic) {
    return committedRecords(Map.of("bootstrap.servers", bootstrap), topic);
  }

  /** {@link #committedRecords(String, String)} with a client's own settings. */
  public static List<ConsumerRecord<byte[], byte[]>> committedRecords(
      Map<String, Object> client, String topic) {
    Map<String, Object> config = new HashMap<>(client);
    config.put("isolation.level", "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          records.add(r);
        }
      }
      return records;
    }
  }

  public static HttpRequest.Builder post(String url, String token, String contentType) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return b;
  }
}
