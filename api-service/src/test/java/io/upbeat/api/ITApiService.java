package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** api-service on the real embedded PostgreSQL: it migrates the schema and reports itself ready. */
class ITApiService extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  @LocalManagementPort int managementPort;

  @Test
  void appliesTheSchemaAtStart() {
    Integer version =
        jdbc.queryForObject(
            "SELECT max(version::int) FROM flyway_schema_history WHERE success", Integer.class);
    assertThat(version).isGreaterThanOrEqualTo(2);
  }

  @Test
  void isLiveAndReadyWithTheDatabase() {
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"db\"");
    assertThat(TestHttp.get(url("/actuator/health/liveness")).statusCode()).isEqualTo(200);
  }

  @Test
  void servesPrometheusMetricsOnTheManagementPortOnly() {
    assertThat(managementPort).isNotEqualTo(port);
    HttpResponse<String> metrics =
        TestHttp.get("http://127.0.0.1:" + managementPort + "/actuator/prometheus");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"api-service\"");

    // On the public port they are not there at all: 404, not 401 (which would say they are).
    for (String path : List.of("/actuator/prometheus", "/actuator/info")) {
      HttpResponse<String> hidden = TestHttp.get(url(path));
      assertThat(hidden.statusCode()).as(path).isEqualTo(404);
      assertThat(hidden.body()).as(path).contains("\"error\":\"not_found\"");
    }
  }

  @Test
  void keepsHealthWithoutDetailsOnThePublicPort() {
    for (String path :
        List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
      HttpResponse<String> health = TestHttp.get(url(path));
      assertThat(health.statusCode()).as(path).isEqualTo(200);
      assertThat(health.body()).as(path).startsWith("{\"status\":\"UP\"").doesNotContain("details");
    }
    assertThat(TestHttp.get(url("/actuator/health")).body()).contains("\"db\":{\"status\":\"UP\"}");
  }

  @Test
  void unknownPathsOfASignedInCallerAnswerTheContractErrorBody() {
    String key = api.newAccount("Paths").apiKey();
    ApiClient.Response response = api.get("/api/v1/nothing-here", key);
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    assertThat(response.text("/error")).isEqualTo("not_found");
    assertThat(response.json().at("/details").isArray()).isTrue();
  }

  @Test
  void servesItsOpenApiDescription() {
    ApiClient.Response docs = api.get("/v3/api-docs", null);
    assertThat(docs.status()).isEqualTo(200);
    assertThat(docs.json().at("/paths").propertyNames())
        .contains(
            "/api/v1/signup",
            "/api/v1/login",
            "/api/v1/me",
            "/api/v1/orgs/{orgId}/members",
            "/api/v1/orgs/{orgId}/apps",
            "/api/v1/apps",
            "/api/v1/apps/{appId}",
            "/api/v1/apps/{appId}/tokens/rotate",
            "/api/v1/orgs/{orgId}/service-map");
    assertThat(TestHttp.get(url("/swagger-ui.html")).statusCode()).isIn(200, 302);
  }
}
