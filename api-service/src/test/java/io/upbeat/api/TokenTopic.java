package io.upbeat.api;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the app-token topic as intake does (every partition from the beginning, the newest value
 * per key), for the tests of what api-service publishes on it: tokens and scrubbing keys.
 */
final class TokenTopic {
  private TokenTopic() {}

  /** A consumer assigned to every partition of {@code topic}, at the beginning. */
  static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, String topic) {
    return consumer(Map.of("bootstrap.servers", bootstrapServers), topic);
  }

  /** {@link #consumer(String, String)} with a client's own settings (a secured cluster's). */
  static KafkaConsumer<String, byte[]> consumer(Map<String, Object> client, String topic) {
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(client, new StringDeserializer(), new ByteArrayDeserializer());
    await().atMost(Duration.ofSeconds(30)).until(() -> consumer.listTopics().containsKey(topic));
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Adds one poll's records to {@code latest} (a tombstone as a null value); returns it. */
  static Map<String, byte[]> drain(
      KafkaConsumer<String, byte[]> consumer, Map<String, byte[]> latest) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      latest.put(r.key(), r.value());
    }
    return latest;
  }
}
