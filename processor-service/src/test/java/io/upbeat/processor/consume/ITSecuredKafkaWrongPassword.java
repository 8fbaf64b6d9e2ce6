package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import io.upbeat.storage.Schema;
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
 * The processor with a wrong Kafka password is not ready (and so gets no traffic, no promotion).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafkaWrongPassword {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    Schema.flyway(stack.stack().dataSource()).migrate();
    stack.springProperties().entrySet().stream()
        .filter(e -> e.getKey().startsWith("spring.datasource."))
        .forEach(e -> registry.add(e.getKey(), e::getValue));
    SaslKafka.springProperties("not-the-password").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> "sasl-wrong-" + UUID.randomUUID() + ".");
  }

  @LocalServerPort int port;

  @Test
  void isNotReadyWhileKafkaRefusesItsLogin() {
    await()
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(30))
        .until(() -> TestHttp.get(url("/actuator/health/readiness")).statusCode() == 503);
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.body())
        .contains("\"status\":\"DOWN\"")
        .containsPattern("\"kafka\":\\{[^}]*\"status\":\"DOWN\"")
        .containsPattern("\"kafkaTopics\":\\{[^}]*\"status\":\"DOWN\"")
        .containsPattern("\"db\":\\{[^}]*\"status\":\"UP\"");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
