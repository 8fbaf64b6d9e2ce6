package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The processor with a wrong Kafka password is not ready (and so gets no traffic, no promotion),
 * and its pipelines wait for Kafka to accept them rather than die.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafkaWrongPassword {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    ITSecuredKafka.database(stack, registry);
    SaslKafka.springProperties("not-the-password").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> "sasl-wrong-" + UUID.randomUUID() + ".");
  }

  @LocalServerPort int port;

  @Test
  void isNotReadyWhileKafkaRefusesItsLoginButKeepsItsPipelinesAlive() {
    // Awaitility fails on an uncaught exception in any thread: a pipeline dying of the refusal
    // fails this wait as well as the liveness check below.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> ITSecuredKafka.refusalCounted(port, "errors"));
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(503);
    assertThat(readiness.body())
        .contains("\"status\":\"DOWN\"")
        .containsPattern("\"kafka\":\\{[^}]*\"status\":\"DOWN\"")
        .containsPattern("\"kafkaTopics\":\\{[^}]*\"status\":\"DOWN\"")
        .containsPattern("\"db\":\\{[^}]*\"status\":\"UP\"");
    // Refused, not dead: no restart would help, and the pipelines poll again by themselves.
    HttpResponse<String> liveness = TestHttp.get(url("/actuator/health/liveness"));
    assertThat(liveness.statusCode()).isEqualTo(200);
    assertThat(liveness.body()).containsPattern("\"pipelines\":\\{\"status\":\"UP\"");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
