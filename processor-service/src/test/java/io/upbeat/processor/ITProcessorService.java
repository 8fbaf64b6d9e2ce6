package io.upbeat.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import io.upbeat.storage.Schema;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** processor-service on real Kafka and PostgreSQL, after the schema owner has migrated. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITProcessorService {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    // What api-service does at its start: apply the migrations.
    Schema.flyway(stack.stack().dataSource()).migrate();
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.processor.ops-refresh-initial-delay", () -> "0s");
  }

  @LocalServerPort int port;

  @Test
  void isReadyWithDatabaseAndKafka() {
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body())
        .contains("\"status\":\"UP\"")
        .contains("\"db\"")
        .contains("\"kafka\"")
        .contains("\"pipelines\"");
    HttpResponse<String> liveness = TestHttp.get(url("/actuator/health/liveness"));
    assertThat(liveness.statusCode()).isEqualTo(200);
    assertThat(liveness.body()).contains("\"pipelines\"");
  }

  @Test
  void exposesPrometheusMetricsTaggedWithTheService() throws Exception {
    HttpResponse<String> metrics = TestHttp.get(url("/actuator/prometheus"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"processor-service\"");
    // The operational gauges (refreshed at start, then every upbeat.processor.ops-refresh).
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(TestHttp.get(url("/actuator/prometheus")).body())
                    .contains("upbeat_processor_lag{")
                    .contains("pipeline=\"errors\"")
                    .contains("upbeat_processor_partitions_paused{")
                    .contains("upbeat_processor_partitions_unresolved{")
                    .contains("upbeat_processor_deadletter_records{")
                    .contains("upbeat_processor_rollup_backlog_buckets{")
                    .contains("upbeat_processor_rollup_backlog_oldest_seconds{")
                    .contains("upbeat_processor_notifications_backlog_rows{")
                    .contains("upbeat_processor_notifications_backlog_oldest_seconds{"));
    // Every processor metric the Grafana dashboard queries is in a real scrape.
    String scrape = TestHttp.get(url("/actuator/prometheus")).body();
    Matcher dashboard =
        Pattern.compile("upbeat_processor_[a-z0-9_]+")
            .matcher(Files.readString(Path.of("../deploy/grafana/upbeat.json")));
    int queried = 0;
    while (dashboard.find()) {
      assertThat(scrape).as(dashboard.group()).contains(dashboard.group() + "{");
      queried++;
    }
    assertThat(queried).isGreaterThan(10);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
