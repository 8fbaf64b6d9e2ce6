package io.upbeat.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
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
  @LocalManagementPort int managementPort;

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
  void servesPrometheusMetricsOnTheManagementPortOnly() throws Exception {
    assertThat(managementPort).isNotEqualTo(port);
    HttpResponse<String> metrics =
        TestHttp.get("http://127.0.0.1:" + managementPort + "/actuator/prometheus");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"intake-service\"");
    // Every intake metric the Grafana dashboard queries is in a real scrape.
    Matcher dashboard =
        Pattern.compile("upbeat_intake_[a-z0-9_]+")
            .matcher(Files.readString(Path.of("../deploy/grafana/upbeat.json")));
    int queried = 0;
    while (dashboard.find()) {
      assertThat(metrics.body()).as(dashboard.group()).contains(dashboard.group() + "{");
      queried++;
    }
    assertThat(queried).isGreaterThan(3);

    for (String path : List.of("/actuator/prometheus", "/actuator/info", "/actuator")) {
      assertThat(TestHttp.get(url(path)).statusCode()).as(path).isEqualTo(404);
    }
  }

  @Test
  void keepsHealthWithoutDetailsOnThePublicPort() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> TestHttp.get(url("/actuator/health/readiness")).statusCode() == 200);
    for (String path :
        List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
      HttpResponse<String> health = TestHttp.get(url(path));
      assertThat(health.statusCode()).as(path).isEqualTo(200);
      assertThat(health.body()).as(path).startsWith("{\"status\":\"UP\"").doesNotContain("details");
    }
    // One component's own health is a detail: the management port has it, the public one not.
    assertThat(TestHttp.get(url("/actuator/health/kafka")).statusCode()).isEqualTo(404);
    assertThat(
            TestHttp.get("http://127.0.0.1:" + managementPort + "/actuator/health/readiness")
                .statusCode())
        .isEqualTo(200);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
