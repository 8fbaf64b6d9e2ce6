package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.upbeat.localstack.junit.TestHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Elastic APM Java agent (the build copies it to {@code target/agents}), attached with
 * {@code -javaagent} to the example app in a child JVM and pointed at intake's Elastic endpoints
 * under {@code ./upbeat dev} (real Kafka, processor, PostgreSQL): its requests come out of the API
 * as transactions with the agent's route names and durations, with spans, and its exception as an
 * error group with frames, assigned to the author of the release commit that touched the line.
 */
class ITElasticAgent {
  @TempDir Path dataDir;
  private ExampleShop shop;

  /** Stops the example app; the platform is shared (see {@link SharedPlatform}). */
  @AfterEach
  void stop() throws InterruptedException {
    if (shop != null) {
      shop.close();
    }
  }

  @Test
  void theElasticJavaAgentsTransactionsAndErrorsComeOutOfTheApi() throws Exception {
    Path agent = ExampleShop.agent("elastic-apm-agent.jar");
    // Each request the test makes is a trace of its own, and it reads the samples of a handful:
    // the shared platform keeps every trace in full (intake keeps 10 % by default, by trace id).
    UpbeatDev dev = SharedPlatform.get();
    JsonApi api = new JsonApi(dev.apiUrl());

    JsonApi.SignedUp account = api.signUpWithApp("elastic@example.com", "Elastic users", "shop");
    String key = account.apiKey();
    JsonNode app = account.app();
    String appId = app.path("id").asText();
    String secret = app.path("secret_token").asText();

    // CI posts release shop-1 whose commit, by Dana, changed the lines around the throwing one.
    int throwing = ExampleShop.lineOf("return sum.divide(");
    api.post(
        "/api/v1/apps/" + appId + "/releases",
        app.path("ci_token").asText(),
        """
        {"version": "shop-1", "commits": [{"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
          "author_email": "dana@example.com", "message": "Average discount per order",
          "files": [{"path": "%s", "lines": [[%d, %d]]}]}]}
        """
            .formatted(ExampleShop.SOURCE, throwing - 2, throwing + 1),
        201);

    // The token reaches intake through Kafka; the Elastic endpoint answers like APM Server.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestHttp.send(
                            HttpRequest.newBuilder(
                                    URI.create(dev.intakeUrl() + "/intake/v2/events"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/x-ndjson")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        "{\"metadata\":{\"service\":{\"name\":\"shop\"}}}\n")))
                        .statusCode()
                    == 202);

    shop =
        ExampleShop.start(
            agent,
            List.of(
                "-Delastic.apm.server_url=" + dev.intakeUrl(),
                "-Delastic.apm.secret_token=" + secret,
                "-Delastic.apm.service_name=shop",
                "-Delastic.apm.service_version=shop-1",
                "-Delastic.apm.application_packages=io.upbeat.example",
                "-Delastic.apm.central_config=false",
                "-Delastic.apm.metrics_interval=0s",
                "-Delastic.apm.api_request_time=1s"),
            Map.of(),
            dataDir.resolve("shop.log"),
            "/users/1/orders");

    try {
      long slowest = 0;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        assertThat(shop.status("/users/42")).isEqualTo(200);
        slowest = Math.max(slowest, System.nanoTime() - start);
      }
      assertThat(shop.status("/users/2000/discount")).isEqualTo(500);

      // Transactions under the agent's names (Spring MVC: Controller#method), counted exactly,
      // with durations the client could have observed.
      String transactions = "/api/v1/apps/" + appId + "/transactions";
      Predicate<JsonNode> fiveUserRequests =
          named("Shop#user")
              .and(t -> t.path("type").asText().equals("request") && t.path("count").asLong() == 5);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () -> {
                JsonNode t = api.get(transactions, key);
                return !JsonApi.item(t, fiveUserRequests).isMissingNode()
                    && !JsonApi.item(t, named("Shop#discount")).isMissingNode();
              });
      JsonNode list = api.get(transactions, key);
      double avgMs = JsonApi.number(JsonApi.item(list, named("Shop#user")), "avg_ms");
      assertThat(avgMs).isGreaterThan(0).isLessThanOrEqualTo(slowest / 1e6);
      assertThat(JsonApi.texts(list)).noneMatch(s -> s.contains("/users/42"));

      // The first transactions of each name are kept with their spans.
      String samples =
          transactions + "/samples?name=" + URLEncoder.encode("Shop#user", StandardCharsets.UTF_8);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> !JsonApi.spans(api.get(samples, key)).isEmpty());
      assertThat(JsonApi.spans(api.get(samples, key)))
          .anySatisfy(
              span -> {
                assertThat(span.path("name").asText()).contains("SELECT FROM users");
                assertThat(span.path("type").asText()).isEqualTo("db.h2.query");
              });

      // The exception: a group with frames, assigned to the author of the commit.
      String errors = "/api/v1/apps/" + appId + "/errors";
      Predicate<JsonNode> dana =
          g -> g.path("assignee").path("email").asText().equals("dana@example.com");
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> !JsonApi.item(api.get(errors, key), dana).isMissingNode());
      JsonNode group = JsonApi.item(api.get(errors, key), dana);
      assertThat(group.path("assignee").path("reason").asText())
          .contains("changed ShopApplication.java");
      assertThat(group.path("first_release").asText()).isEqualTo("shop-1");
      JsonNode detail = api.get(errors + "/" + group.path("id").asText(), key);
      // The agent reports the ServletException Spring MVC wrapped it in, with it as the cause.
      assertThat(detail.path("latest").path("exception").findValuesAsText("type"))
          .contains("java.lang.ArithmeticException");
      assertThat(detail.path("suspect_commit").path("sha").asText())
          .isEqualTo("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
      assertThat(detail.path("latest").path("transaction_name").asText())
          .isEqualTo("Shop#discount");
      // The request it happened in, in Upbeat's shape, and its events per environment and release.
      assertThat(detail.at("/context/request/method").asText()).isEqualTo("GET");
      assertThat(detail.at("/context/request/url").asText()).endsWith("/users/2000/discount");
      assertThat(detail.at("/releases/0/version").asText()).isEqualTo("shop-1");
      assertThat(detail.at("/environments/0/count").asLong()).isPositive();
      assertThat(detail.at("/users/method").asText()).isEqualTo("exact");
      assertThat(detail.findParents("lineno"))
          .anySatisfy(
              frame -> {
                assertThat(frame.path("path").asText())
                    .isEqualTo("io/upbeat/example/ShopApplication.java");
                assertThat(frame.path("in_app").booleanValue()).isTrue();
                assertThat(frame.path("lineno").asInt()).isEqualTo(throwing);
              });
    } catch (AssertionError | RuntimeException e) {
      System.out.println("[shop] " + shop.output());
      throw e;
    }
  }

  private static Predicate<JsonNode> named(String name) {
    return t -> t.path("name").asText().equals(name);
  }
}
