package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.upbeat.localstack.junit.TestHttp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenTelemetry Java agent (2.22.0, from Maven Central, attached with {@code -javaagent})
 * on the example app in a child JVM, configured only by the OTEL_* variables docs/agents.md lists,
 * sending OTLP/HTTP protobuf to intake under {@code ./upbeat dev} (real Kafka, processor and
 * PostgreSQL). Its requests come out of the API as transactions named by route with durations in
 * the right unit, with their JDBC spans in the samples, and its thrown exception as an error group
 * with parsed frames, assigned to the author of the release commit that touched the throwing line,
 * with zero in-app configuration. Then the same app exporting every span in its own request: its
 * spans reach their transaction's sample across requests.
 */
class ITOtelAgent {
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
  void theOpenTelemetryAgentsRequestsAndErrorsComeOutOfTheApiAndTheErrorIsAssigned()
      throws Exception {
    Path agent = ExampleShop.agent("opentelemetry-javaagent.jar");
    // Each request the test makes is a trace of its own, and it reads the samples of a handful:
    // the shared platform keeps every trace in full (intake keeps 10 % by default, by trace id).
    UpbeatDev dev = SharedPlatform.get();
    JsonApi api = new JsonApi(dev.apiUrl());

    JsonApi.SignedUp account = api.signUpWithApp("otel@example.com", "OTel", "shop");
    String key = account.apiKey();
    JsonNode app = account.app();
    String appId = app.path("id").asText();
    String secret = app.path("secret_token").asText();

    // CI posted release shop-otel-1, whose commit by Dora changed the line that divides by zero.
    int line = ExampleShop.lineOf("sum.divide(");
    api.post(
        "/api/v1/apps/" + appId + "/releases",
        app.path("ci_token").asText(),
        """
        {"version": "shop-otel-1", "commits": [{"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
          "author_email": "dora@example.com", "message": "Discounts by average order",
          "files": [{"path": "%s", "lines": [[%d, %d]]}]}]}
        """
            .formatted(ExampleShop.SOURCE, line - 1, line + 1),
        201);

    // OTLP exporters drop what a 401 refuses: wait until intake knows the new token.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                TestHttp.send(
                            HttpRequest.newBuilder(URI.create(dev.intakeUrl() + "/v1/traces"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/x-protobuf")
                                .POST(HttpRequest.BodyPublishers.noBody()))
                        .statusCode()
                    == 200);

    // Exactly the settings docs/agents.md gives, plus a short batch delay so the test waits less.
    shop = startShop(agent, secret, "production", Map.of("OTEL_BSP_SCHEDULE_DELAY", "200"));
    long slowestMs = 0;
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      assertThat(shop.status("/users/42")).isEqualTo(200);
      slowestMs = Math.max(slowestMs, (System.nanoTime() - start) / 1_000_000 + 1);
      assertThat(shop.status("/users/7/orders")).isEqualTo(200);
    }
    assertThat(shop.status("/users/2000/discount")).isEqualTo(500);

    // The error: parsed frames, grouped, and assigned to Dora by the line her commit changed.
    String errors = "/api/v1/apps/" + appId + "/errors";
    Predicate<JsonNode> dora =
        g -> g.path("assignee").path("email").asText().equals("dora@example.com");
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> !JsonApi.item(api.get(errors, key), dora).isMissingNode());
    JsonNode group = JsonApi.item(api.get(errors, key), dora);
    assertThat(group.path("type").asText()).isEqualTo("java.lang.ArithmeticException");
    assertThat(group.path("assignee").path("reason").asText())
        .contains("changed ShopApplication.java lines " + (line - 1) + "-" + (line + 1));
    assertThat(group.path("first_release").asText()).isEqualTo("shop-otel-1");
    JsonNode detail = api.get(errors + "/" + group.path("id").asText(), key);
    // The request of the transaction it happened in, and its events per release.
    assertThat(detail.at("/context/request/method").asText()).isEqualTo("GET");
    assertThat(detail.at("/context/request/url").asText()).isEqualTo("/users/2000/discount");
    assertThat(detail.at("/releases/0/version").asText()).isEqualTo("shop-otel-1");
    // The stored exception's frames: the JDK's are library frames, the app's are in-app, with no
    // configuration.
    List<JsonNode> frames = detail.findParents("lineno");
    assertThat(frames)
        .contains(
            JsonApi.parse(
                """
                {"in_app": true, "lineno": %d, "module": "io.upbeat.example.ShopApplication$Pricing",
                 "filename": "ShopApplication.java", "function": "discount"}
                """
                    .formatted(line)))
        .anySatisfy(
            frame -> {
              assertThat(frame.path("module").asText()).isEqualTo("java.math.BigDecimal");
              assertThat(frame.path("in_app").isBoolean()).isTrue();
              assertThat(frame.path("in_app").booleanValue()).isFalse();
              assertThat(frame.path("lineno").isNumber()).isTrue();
            });
    assertThat(detail.path("suspect_commit").path("sha").asText())
        .isEqualTo("4b825dc642cb6eb9a060e54bf8d69288fbee4904");

    // The transactions: named by route, never by URL, with durations in milliseconds.
    String transactions = "/api/v1/apps/" + appId + "/transactions";
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                api.get(transactions, key)
                    .path("items")
                    .findValuesAsText("name")
                    .containsAll(
                        List.of(
                            "GET /users/{id}",
                            "GET /users/{id}/orders",
                            "GET /users/{id}/discount")));
    assertThat(JsonApi.texts(api.get(transactions, key)))
        .noneMatch(s -> s.contains("/users/42") || s.contains("/users/2000"));
    JsonNode summary =
        api.get(
                "/api/v1/apps/"
                    + appId
                    + "/metrics/response-time?interval=1h&transaction="
                    + URLEncoder.encode("GET /users/{id}", StandardCharsets.UTF_8),
                key)
            .path("summary");
    // The warm-up request may have been counted too: at least the five measured ones.
    assertThat(JsonApi.number(summary, "count")).isGreaterThanOrEqualTo(5);
    double max = JsonApi.number(summary, "max_ms");
    assertThat(max).isGreaterThan(0);
    // The server-side duration of the slowest of the measured requests cannot exceed what the
    // client saw (the warm-up request was measured by nobody: allow it a generous bound).
    assertThat(JsonApi.number(summary, "p50_ms")).isLessThanOrEqualTo(slowestMs * 1.02);
    assertThat(max).isLessThan(60_000);

    // A sample with its JDBC spans, joined to its transaction by the parent chain.
    String samples =
        transactions
            + "/samples?name="
            + URLEncoder.encode("GET /users/{id}/orders", StandardCharsets.UTF_8);
    await().atMost(Duration.ofSeconds(60)).until(() -> hasQuerySpan(api.get(samples, key)));
    JsonNode sampled = api.get(samples, key);
    assertThat(hasQuerySpan(sampled)).as("%s", sampled).isTrue();
    assertThat(JsonApi.texts(sampled)).noneMatch(s -> s.endsWith("/users/7"));

    // Across requests: an agent exporting every span on its own (batches of one) sends each
    // query and handler span before its server span; the processor joins them to the sample.
    shop.close();
    shop =
        startShop(
            agent,
            secret,
            "staging",
            Map.of("OTEL_BSP_SCHEDULE_DELAY", "200", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1"));
    for (int i = 0; i < 3; i++) {
      assertThat(shop.status("/users/7/orders")).isEqualTo(200);
    }
    String staging = samples + "&environment=staging";
    await().atMost(Duration.ofSeconds(60)).until(() -> hasQuerySpan(api.get(staging, key)));
    assertThat(api.get(staging, key).path("items").findValuesAsText("environment"))
        .contains("staging");
    // ... and they did come as orphans, joined by the processor.
    String prometheus =
        TestHttp.get("http://127.0.0.1:" + dev.processorPort + "/actuator/prometheus").body();
    Matcher kept =
        Pattern.compile("upbeat_processor_orphan_spans_total\\{[^}]*result=\"kept\"[^}]*} (\\S+)")
            .matcher(prometheus);
    assertThat(kept.find()).as(prometheus).isTrue();
    assertThat(Double.parseDouble(kept.group(1))).isPositive();
  }

  /** The example app with the OpenTelemetry agent and the documented settings. */
  private ExampleShop startShop(
      Path agent, String secret, String environment, Map<String, String> extra)
      throws IOException, InterruptedException {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "OTEL_SERVICE_NAME",
                "shop",
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.version=shop-otel-1,deployment.environment.name=" + environment,
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                SharedPlatform.get().intakeUrl(),
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "http/protobuf",
                "OTEL_EXPORTER_OTLP_HEADERS",
                "Authorization=Bearer%20" + secret,
                "OTEL_METRICS_EXPORTER",
                "none",
                "OTEL_LOGS_EXPORTER",
                "none"));
    env.putAll(extra);
    return ExampleShop.start(
        agent, List.of(), env, dataDir.resolve("shop-" + environment + ".log"), "/users/42");
  }

  /** Whether a sample of a {@code /transactions/samples} answer has a JDBC query span. */
  private static boolean hasQuerySpan(JsonNode samples) {
    return JsonApi.spans(samples).stream()
        .anyMatch(span -> span.path("type").asText().equals("db.h2.query"));
  }
}
