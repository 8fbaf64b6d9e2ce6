package io.upbeat.intake.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** intake with a wrong Kafka password is not ready, and says which check fails. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafkaWrongPassword {
  @DynamicPropertySource
  static void kafkaProperties(DynamicPropertyRegistry registry) {
    SaslKafka.springProperties("not-the-password").forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> "sasl-wrong-" + UUID.randomUUID() + ".");
  }

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @Test
  void isNotReadyWhileKafkaRefusesItsLogin() {
    // Long enough for the token feed and the publisher to have tried (and failed) to connect.
    await()
        .pollDelay(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(30))
        .until(() -> TestHttp.get(url(port, "/actuator/health/readiness")).statusCode() == 503);
    HttpResponse<String> readiness =
        TestHttp.get(url(managementPort, "/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(503);
    assertThat(readiness.body())
        .contains("\"status\":\"DOWN\"")
        .containsPattern("\"kafka\":\\{[^}]*\"status\":\"DOWN\"")
        .containsPattern("\"kafkaTopics\":\\{[^}]*\"status\":\"DOWN\"");
    assertThat(TestHttp.get(url(port, "/actuator/health")).statusCode()).isEqualTo(503);
  }

  private static String url(int port, String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
