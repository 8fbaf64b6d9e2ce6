package io.upbeat.api.tokens;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.Topics;
import io.upbeat.support.kafka.KafkaTopics;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The application of {@code --upbeat.task=republish-tokens}: the database and Kafka, the token
 * publisher and nothing else (no web server, no scheduled jobs). Conditional, so the api-service
 * application, which scans this package, never picks it up.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@ConditionalOnProperty(name = "upbeat.task", havingValue = "republish-tokens")
@Import(TokenTopicConfiguration.class)
public class RepublishTokensTask {
  @Bean
  TokenPublisher tokenPublisher(
      JdbcClient jdbc,
      TransactionTemplate tx,
      KafkaTemplate<String, byte[]> kafka,
      KafkaTopics kafkaTopics,
      Topics topics,
      MeterRegistry meters) {
    return new TokenPublisher(jdbc, tx, kafka, kafkaTopics, topics, meters);
  }

  @Bean
  TokenRepublisher tokenRepublisher(
      JdbcClient jdbc, TransactionTemplate tx, TokenPublisher publisher, Clock clock) {
    return new TokenRepublisher(jdbc, tx, publisher, clock);
  }

  /** Runs the task once the context is up; the exit code is the context's. */
  @Bean
  org.springframework.boot.ApplicationRunner republish(
      TokenRepublisher republisher,
      @Value("${upbeat.tokens.republish-timeout:5m}") Duration timeout) {
    return args -> republisher.republish(timeout);
  }
}
