package io.upbeat.intake.config;

import io.upbeat.events.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Makes intake's transactional producers of the events topic: the service's {@code spring.kafka.*}
 * producer settings (security included) with what intake's promise needs on top. Worker {@code i}
 * of an instance always gets the transactional id {@code upbeat-intake-<prefix><instance>-<i>}, so
 * its producer, made again after a failure or a restart, fences the one before.
 */
final class EventProducers implements IntFunction<Producer<byte[], byte[]>> {
  /** How long the coordinator keeps a transaction open that its producer abandoned. */
  static final int TRANSACTION_TIMEOUT_MS = 30_000;

  /** How long a send waits for more records of its transaction unless flushed first. */
  static final int LINGER_MS = 5;

  private final Map<String, Object> base;
  private final String idPrefix;

  /**
   * @param producerConfig the service's producer settings ({@code KafkaClientConfig#producer()})
   * @param budget a request's Kafka budget: the producer's own time-outs fit inside half of it
   * @param topicPrefix the installation's topic prefix, so installations sharing a cluster never
   *     share transactional ids
   * @param instanceId this instance's stable name ({@link InstanceId})
   * @param compression the records' compression ({@code upbeat.intake.publish.compression})
   */
  EventProducers(
      Map<String, Object> producerConfig,
      Duration budget,
      String topicPrefix,
      String instanceId,
      String compression) {
    Map<String, Object> config = new java.util.HashMap<>(producerConfig);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.EVENTS_MAX_RECORD_BYTES);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // The publisher flushes every transaction's records itself once all are sent: the linger only
    // keeps the first from leaving alone, so a transaction's records reach a partition as one
    // batch in one produce request (bench/kafka-txn: about 8 % less CPU per transaction).
    config.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    // Kafka slow or down must surface within the request's budget, never hang it.
    int kafkaTimeoutMs = (int) Math.max(250, budget.toMillis() / 2);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, kafkaTimeoutMs);
    // Kafka requires linger + request time-out <= delivery time-out.
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, kafkaTimeoutMs - LINGER_MS);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, kafkaTimeoutMs);
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    config.remove(ProducerConfig.CLIENT_ID_CONFIG);
    this.base = Map.copyOf(config);
    this.idPrefix = "upbeat-intake-" + (topicPrefix == null ? "" : topicPrefix) + instanceId + "-";
  }

  /** The transactional id of worker {@code worker}. */
  String transactionalId(int worker) {
    return idPrefix + worker;
  }

  @Override
  public Producer<byte[], byte[]> apply(int worker) {
    Map<String, Object> config = new java.util.HashMap<>(base);
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(worker));
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
