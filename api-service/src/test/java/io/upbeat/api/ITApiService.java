package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** api-service on the real embedded PostgreSQL: it migrates the schema and reports itself ready. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITApiService {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  @Test
  void appliesTheSchemaAtStart() {
    Integer version =
        jdbc.queryForObject(
            "SELECT max(version::int) FROM flyway_schema_history WHERE success", Integer.class);
    assertThat(version).isGreaterThanOrEqualTo(1);
    assertThat(jdbc.queryForObject("SELECT count(*) FROM orgs", Integer.class)).isZero();
  }

  @Test
  void isLiveAndReadyWithTheDatabase() {
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"db\"");
    assertThat(TestHttp.get(url("/actuator/health/liveness")).statusCode()).isEqualTo(200);
  }

  @Test
  void exposesPrometheusMetricsTaggedWithTheService() {
    HttpResponse<String> metrics = TestHttp.get(url("/actuator/prometheus"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"api-service\"");
  }

  @Test
  void unknownPathsAnswerTheContractErrorBody() {
    HttpResponse<String> response = TestHttp.get(url("/api/v1/nothing-here"));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    assertThat(response.body()).contains("\"error\":\"not_found\"").contains("\"details\":[]");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
