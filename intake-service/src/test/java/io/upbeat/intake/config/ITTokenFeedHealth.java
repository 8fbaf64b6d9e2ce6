package io.upbeat.intake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.Topics;
import io.upbeat.intake.http.IntakeTestSupport;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The token feed's consumer failing (here on a record it cannot deserialize, on the real embedded
 * Kafka) makes intake not ready, with the reason; a new feed is started, and intake is ready again
 * once one reads the topic through.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITTokenFeedHealth {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  private static final String POISON = "poison-record";
  private static final AtomicBoolean unreadable = new AtomicBoolean();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.intake.token-feed-restart-delay", () -> "200ms");
  }

  /** Consumers as intake makes them, whose key deserializer fails on one key while told to. */
  @TestConfiguration
  static class FailingDeserializer {
    @Bean
    @Primary
    IntakeConfiguration.TokenFeedConsumers failingTokenFeedConsumers() {
      return () -> {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", stack.stack().bootstrapServers());
        config.put("client.id", "intake-tokens-" + UUID.randomUUID());
        // Not a StringDeserializer subclass: the consumer calls its ByteBuffer overload.
        Deserializer<String> keys =
            (topic, data) -> {
              String key = new String(data, StandardCharsets.UTF_8);
              if (POISON.equals(key) && unreadable.get()) {
                throw new SerializationException("cannot read this key (test)");
              }
              return key;
            };
        return new KafkaConsumer<>(config, keys, new ByteArrayDeserializer());
      };
    }
  }

  @LocalServerPort int port;
  @Autowired Topics topics;
  @Autowired HealthIndicator appTokensHealthIndicator;

  @Test
  void aFailedFeedMakesIntakeNotReadyUntilANewOneCatchesUp() throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> readiness().statusCode() == 200);
    String token = IntakeTestSupport.newSecretToken();
    IntakeTestSupport.publishToken(
        stack.stack().bootstrapServers(), topics.appTokens(), token, UUID.randomUUID());

    unreadable.set(true);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", stack.stack().bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topics.appTokens(), POISON, new byte[] {1})).get();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> readiness = readiness();
              assertThat(readiness.statusCode()).isEqualTo(503);
              assertThat(readiness.body()).contains("\"appTokens\":{\"status\":\"DOWN\"}");
            });
    var down = appTokensHealthIndicator.health(true);
    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
    assertThat(down.getDetails())
        .containsEntry(
            "reason", "the app-token feed failed; restarting it and reloading the tokens")
        .hasEntrySatisfying(
            "lastFailure",
            f -> assertThat(f.toString()).contains("RecordDeserializationException"));
    // Each new feed reads the topic from its start and fails on the same record: still not ready.
    await().atMost(Duration.ofSeconds(30)).until(() -> restarts() >= 2);
    assertThat(readiness().statusCode()).isEqualTo(503);

    unreadable.set(false);
    await().atMost(Duration.ofSeconds(30)).until(() -> readiness().statusCode() == 200);
    assertThat(readiness().body()).contains("\"appTokens\":{\"status\":\"UP\"}");
    // The new feed has the tokens, here the one published before the failure.
    HttpResponse<String> accepted =
        TestHttp.send(
            IntakeTestSupport.post(url("/v1/events"), token, "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Payloads.valid(Instant.now()))));
    assertThat(accepted.statusCode()).isEqualTo(202);
  }

  private long restarts() {
    Object restarts = appTokensHealthIndicator.health(true).getDetails().get("restarts");
    return restarts == null ? 0 : ((Number) restarts).longValue();
  }

  private HttpResponse<String> readiness() {
    return TestHttp.get(url("/actuator/health/readiness"));
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
