package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** api-service on the real embedded PostgreSQL: it migrates the schema and reports itself ready. */
class ITApiService extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

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
  void exposesPrometheusMetricsTaggedWithTheService() {
    HttpResponse<String> metrics = TestHttp.get(url("/actuator/prometheus"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("application=\"api-service\"");
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
            "/api/v1/apps/{appId}/tokens/rotate");
    assertThat(TestHttp.get(url("/swagger-ui.html")).statusCode()).isIn(200, 302);
  }
}
