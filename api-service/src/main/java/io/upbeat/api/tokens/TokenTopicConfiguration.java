package io.upbeat.api.tokens;

import io.upbeat.events.Topics;
import io.upbeat.support.kafka.KafkaClientConfig;
import io.upbeat.support.kafka.KafkaTopics;
import io.upbeat.support.kafka.UpbeatKafkaProperties;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TokenTopicConfiguration {
  /**
   * The app-token topic the token publisher writes (see {@link Topics#APP_TOKENS_CONFIG}), with the
   * replication of {@code upbeat.kafka.*}: created or checked at start, and again by the publisher
   * until it is there (api-service may start before Kafka).
   */
  @Bean
  KafkaTopics kafkaTopics(KafkaClientConfig clients, UpbeatKafkaProperties kafka, Topics topics) {
    return new KafkaTopics(
        clients.admin(),
        kafka.createTopics(),
        List.of(kafka.appTokensTopic(topics)),
        Duration.ofSeconds(5));
  }
}
