package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Sampled transactions with their spans, through the API, for their app's members only. */
class ITSamplesApi extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String appId;
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeEach
  void data() {
    owner = api.newAccount("Samples Org");
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"s\"}")
            .text("/id");
    jdbc.execute("CREATE TABLE IF NOT EXISTS txn_samples_default PARTITION OF txn_samples DEFAULT");
    insert(
        "GET /users/{id}",
        now.minusSeconds(30),
        12.5,
        "[{\"name\":\"SELECT FROM users\","
            + "\"type\":\"db.postgresql.query\",\"start_ms\":1.5,\"duration_ms\":3.25}]");
    insert("GET /users/{id}", now.minusSeconds(20), 80.0, "[]");
    insert("GET /orders", now.minusSeconds(10), 5.0, "[]");
    insert("GET /users/{id}", now.minus(2, ChronoUnit.HOURS), 1.0, "[]");
  }

  private void insert(String name, Instant at, double ms, String spans) {
    jdbc.update(
        "INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,"
            + " duration_ms, transaction_id, trace_id, result, outcome, service_version, spans,"
            + " context, parent_id) VALUES (?, ?, 'production', 'request', ?, ?, ?, 'a1', 't1',"
            + " 'HTTP 2xx', 'success', 'v1', ?::jsonb, '{\"tags\":{\"region\":\"eu\"}}'::jsonb,"
            + " 'p1')",
        UUID.randomUUID(),
        UUID.fromString(appId),
        name,
        Timestamp.from(at),
        ms,
        spans);
  }

  private String path(String query) {
    return "/api/v1/apps/" + appId + "/transactions/samples" + query;
  }

  @Test
  void listsTheNewestOrSlowestSamplesWithTheirSpans() {
    String name = "?name=" + URLEncoder.encode("GET /users/{id}", StandardCharsets.UTF_8);
    Response recent = api.get(path(name), owner.apiKey());
    assertThat(recent.status()).isEqualTo(200);
    assertThat(recent.json().get("items")).hasSize(2); // the 2-hour-old one is outside the hour
    assertThat(recent.text("/items/0/timestamp")).isEqualTo(now.minusSeconds(20).toString());
    assertThat(recent.json().at("/items/1/spans/0/start_ms").asDouble()).isEqualTo(1.5);
    assertThat(recent.text("/items/1/spans/0/type")).isEqualTo("db.postgresql.query");
    assertThat(recent.text("/items/1/context/tags/region")).isEqualTo("eu");
    assertThat(recent.text("/items/1/service_version")).isEqualTo("v1");
    assertThat(recent.text("/items/1/trace_id")).isEqualTo("t1");
    assertThat(recent.text("/items/1/parent_id")).isEqualTo("p1");
    assertThat(UUID.fromString(recent.text("/items/1/sample_id"))).isNotNull();

    Response slowest = api.get(path("?sort=slowest&limit=1"), owner.apiKey());
    assertThat(slowest.json().get("items")).hasSize(1);
    assertThat(slowest.json().at("/items/0/duration_ms").asDouble()).isEqualTo(80.0);

    Response day =
        api.get(
            path(name + "&from=" + now.minus(1, ChronoUnit.DAYS) + "&to=" + now.plusSeconds(1)),
            owner.apiKey());
    assertThat(day.json().get("items")).hasSize(3);
  }

  @Test
  void refusesBadQueriesAndStrangers() {
    Response bad = api.get(path("?sort=fastest&limit=0&from=yesterday"), owner.apiKey());
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("\"sort\"").contains("\"limit\"").contains("\"from\"");

    Account stranger = api.newAccount("Other samples");
    assertThat(api.get(path(""), stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(path(""), null).status()).isEqualTo(401);
  }
}
