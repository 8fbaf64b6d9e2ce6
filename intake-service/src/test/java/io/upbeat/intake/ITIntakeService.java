package io.upbeat.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** intake-service on the real embedded Kafka, with no database at all. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITIntakeService {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
  }

  @LocalServerPort int port;

  @Test
  void isReadyWhenKafkaAnswers() {
    // Ready once the token table has caught up with its topic, which takes a moment after start
    // when earlier test classes' contexts still run on the same two cores.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TestHttp.get(url("/actuator/health/readiness")).statusCode() == 200);
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"kafka\"");
  }

  @Test
  void exposesPrometheusMetricsTaggedWithTheService() {
    HttpResponse<String> metrics = TestHttp.get(url("/actuator/prometheus"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"intake-service\"");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
