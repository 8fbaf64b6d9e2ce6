package io.upbeat.support.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * The settings every Kafka client of a service starts from: producers, consumers and admin clients,
 * including the ones built by hand ({@code new KafkaProducer<>(...)}), so that one set of {@code
 * spring.kafka.*} properties (bootstrap servers, {@code security.protocol}, {@code sasl.*}, {@code
 * ssl.*}, and anything under {@code spring.kafka.properties.*}) reaches all of them. Before, only
 * the admin client behind the health check had them: on a secured cluster health said UP while
 * every producer and consumer failed to connect.
 *
 * <p>The maps are those of Spring Boot's own producer factory, consumer factory and {@code
 * KafkaAdmin}: {@code KafkaProperties.buildProducerProperties()} and its siblings, with Boot's
 * connection details and SSL bundle applied. A client adds only what its role needs (a
 * transactional id, an isolation level) on top of a copy.
 */
public final class KafkaClientConfig {
  private final Map<String, Object> producer;
  private final Map<String, Object> consumer;
  private final Map<String, Object> admin;

  public KafkaClientConfig(
      Map<String, Object> producer, Map<String, Object> consumer, Map<String, Object> admin) {
    this.producer = Map.copyOf(producer);
    this.consumer = Map.copyOf(consumer);
    this.admin = Map.copyOf(admin);
  }

  /** A mutable copy of the producer settings, for one producer to add its own to. */
  public Map<String, Object> producer() {
    return new HashMap<>(producer);
  }

  /** A mutable copy of the consumer settings, for one consumer to add its own to. */
  public Map<String, Object> consumer() {
    return new HashMap<>(consumer);
  }

  /** A mutable copy of the admin client settings. */
  public Map<String, Object> admin() {
    return new HashMap<>(admin);
  }
}
