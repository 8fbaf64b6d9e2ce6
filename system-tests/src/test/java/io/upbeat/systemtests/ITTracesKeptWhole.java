package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.junit.TestHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * M15, end to end under {@code ./upbeat dev} (intake, Kafka, processor, PostgreSQL): 200 traces,
 * each through three apps that speak three protocols (a web app sending Upbeat's own JSON, an
 * inventory service instrumented with OpenTelemetry, a billing service with an Elastic agent), at
 * the default trace rate (0.1). Every trace is kept whole or not at all: each kept trace has its
 * three transactions stored, with the links that join them (the caller's span id as the callee's
 * {@code parent_id}, the spans' ids and destinations), and the web app's errors keep their place in
 * their trace.
 */
class ITTracesKeptWhole {
  private static final int TRACES = 200;
  private static final int ERRORS = 20;

  @TempDir Path dataDir;
  private UpbeatDev dev;

  @AfterEach
  void stop() throws InterruptedException {
    if (dev != null) {
      dev.shutDown();
    }
  }

  /** One trace's ids: web's transaction and exit span, inventory's server and client spans. */
  private record Trace(
      String id,
      String web,
      String webCall,
      String inventory,
      String inventoryCall,
      String billing) {}

  @Test
  void everyKeptTraceIsWholeAcrossAppsAndProtocolsAndCarriesItsLinks() throws Exception {
    dev = UpbeatDev.start(dataDir.resolve("dev"));
    JsonApi api = new JsonApi(dev.apiUrl());
    JsonApi.SignedUp account = api.signUpWithApp("traces@example.com", "Traces", "web");
    String org = account.app().path("org_id").asText();
    String web = account.app().path("secret_token").asText();
    String inventory =
        api.post("/api/v1/orgs/" + org + "/apps", account.apiKey(), "{\"name\":\"inventory\"}", 201)
            .path("secret_token")
            .asText();
    String billing =
        api.post("/api/v1/orgs/" + org + "/apps", account.apiKey(), "{\"name\":\"billing\"}", 201)
            .path("secret_token")
            .asText();

    Random random = new Random(15);
    List<Trace> traces = new ArrayList<>();
    for (int i = 0; i < TRACES; i++) {
      traces.add(
          new Trace(
              hex(random, 16),
              hex(random, 8),
              hex(random, 8),
              hex(random, 8),
              hex(random, 8),
              hex(random, 8)));
    }
    Instant start = Instant.now().minusSeconds(30);
    // Tokens are live at intake within a second of the API's answer; retry until they are.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> post("/v1/events", web, "application/json", webBatch(traces, start)) == 202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> post("/v1/traces", inventory, "application/json", otlp(traces, start)) == 200);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                post("/intake/v2/events", billing, "application/x-ndjson", elastic(traces, start))
                    == 202);

    try (Connection c = DriverManager.getConnection(dev.jdbcUrl, "upbeat", "upbeat")) {
      Map<String, Integer> parts = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                parts.clear();
                try (Statement st = c.createStatement();
                    ResultSet rs =
                        st.executeQuery(
                            "SELECT trace_id, count(*) FROM txn_samples"
                                + " WHERE txn_name LIKE 'M15 %' GROUP BY trace_id")) {
                  while (rs.next()) {
                    parts.put(rs.getString(1), rs.getInt(2));
                  }
                }
                // Each app's samples arrive in one record: until all three are stored, some
                // trace has fewer than three parts.
                assertThat(parts).isNotEmpty();
                assertThat(parts.values()).allMatch(n -> n == 3);
              });
      // About a tenth of the traces, each whole; the rest not at all.
      assertThat(parts.size()).isBetween(5, 45);
      assertThat(traces.stream().map(Trace::id).toList()).containsAll(parts.keySet());

      Trace kept = traces.stream().filter(t -> parts.containsKey(t.id())).findFirst().orElseThrow();
      assertThat(row(c, "SELECT parent_id FROM txn_samples WHERE transaction_id = ?", kept.web()))
          .isNull();
      String webSpans =
          row(c, "SELECT spans::text FROM txn_samples WHERE transaction_id = ?", kept.web());
      assertThat(webSpans)
          .contains("\"id\": \"" + kept.webCall() + "\"")
          .contains("\"parent_id\": \"" + kept.web() + "\"")
          .contains("\"destination\": \"inventory:8080\"")
          .contains("\"outcome\": \"success\"");
      assertThat(
              row(
                  c,
                  "SELECT parent_id FROM txn_samples WHERE transaction_id = ?",
                  kept.inventory()))
          .isEqualTo(kept.webCall());
      assertThat(
              row(
                  c,
                  "SELECT spans::text FROM txn_samples WHERE transaction_id = ?",
                  kept.inventory()))
          .contains("\"id\": \"" + kept.inventoryCall() + "\"")
          .contains("\"destination\": \"billing:9090\"");
      assertThat(
              row(c, "SELECT parent_id FROM txn_samples WHERE transaction_id = ?", kept.billing()))
          .isEqualTo(kept.inventoryCall());

      // Errors are not sampled: each of the web app's keeps its trace, transaction and span.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  "%d"
                      .formatted(ERRORS)
                      .equals(
                          row(
                              c,
                              "SELECT count(*) FROM error_occurrences WHERE message = ?",
                              "M15 failed")));
      Trace first = traces.getFirst();
      try (var ps =
          c.prepareStatement(
              "SELECT trace_id, transaction_id, parent_id FROM error_occurrences"
                  + " WHERE trace_id = ?")) {
        ps.setString(1, first.id());
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(2)).isEqualTo(first.web());
          assertThat(rs.getString(3)).isEqualTo(first.webCall());
        }
      }
    }
  }

  private int post(String path, String token, String type, String body) {
    HttpResponse<String> r =
        TestHttp.send(
            HttpRequest.newBuilder(URI.create(dev.intakeUrl() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    return r.statusCode();
  }

  private static String row(Connection c, String sql, String arg) throws Exception {
    try (var ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** The web app: a root transaction calling inventory, in Upbeat's JSON; errors for a few. */
  private static String webBatch(List<Trace> traces, Instant start) {
    StringBuilder transactions = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    for (int i = 0; i < traces.size(); i++) {
      Trace t = traces.get(i);
      Instant at = start.plusMillis(i);
      transactions
          .append(i == 0 ? "" : ",")
          .append(
              """
              {"id": "%s", "trace_id": "%s", "name": "M15 GET /checkout", "type": "request",
               "timestamp": "%s", "duration_ms": 20, "outcome": "success",
               "spans": [{"id": "%s", "parent_id": "%s", "name": "GET inventory",
                          "type": "external.http", "start_ms": 2, "duration_ms": 15,
                          "destination": "inventory:8080", "outcome": "success"}]}
              """
                  .formatted(t.web(), t.id(), at, t.webCall(), t.web()));
      if (i < ERRORS) {
        errors
            .append(i == 0 ? "" : ",")
            .append(
                """
                {"timestamp": "%s", "trace_id": "%s", "transaction_id": "%s", "parent_id": "%s",
                 "exception": {"type": "com.shop.CheckoutFailed", "message": "M15 failed"}}
                """
                    .formatted(at.plusMillis(10), t.id(), t.web(), t.webCall()));
      }
    }
    return "{\"service\": {\"name\": \"web\"}, \"transactions\": ["
        + transactions
        + "], \"errors\": ["
        + errors
        + "]}";
  }

  /** Inventory: a server span (the web call's child) and a client span to billing, OTLP/JSON. */
  private static String otlp(List<Trace> traces, Instant start) {
    StringBuilder spans = new StringBuilder();
    for (int i = 0; i < traces.size(); i++) {
      Trace t = traces.get(i);
      long nanos = nanos(start.plusMillis(i + 3));
      spans
          .append(i == 0 ? "" : ",")
          .append(
              """
              {"traceId": "%1$s", "spanId": "%2$s", "parentSpanId": "%3$s", "flags": 769,
               "name": "M15 GET /stock", "kind": 2, "startTimeUnixNano": "%5$d",
               "endTimeUnixNano": "%6$d"},
              {"traceId": "%1$s", "spanId": "%4$s", "parentSpanId": "%2$s", "name": "POST",
               "kind": 3, "startTimeUnixNano": "%7$d", "endTimeUnixNano": "%8$d",
               "attributes": [{"key": "http.request.method", "value": {"stringValue": "POST"}},
                              {"key": "server.address", "value": {"stringValue": "billing"}},
                              {"key": "server.port", "value": {"intValue": "9090"}}]}
              """
                  .formatted(
                      t.id(),
                      t.inventory(),
                      t.webCall(),
                      t.inventoryCall(),
                      nanos,
                      nanos + 10_000_000,
                      nanos + 1_000_000,
                      nanos + 8_000_000));
    }
    return """
        {"resourceSpans": [{"resource": {"attributes": [
           {"key": "service.name", "value": {"stringValue": "inventory"}}]},
         "scopeSpans": [{"spans": [%s]}]}]}
        """
        .formatted(spans);
  }

  /** Billing: the inventory call's child transaction, from an Elastic agent. */
  private static String elastic(List<Trace> traces, Instant start) {
    StringBuilder lines =
        new StringBuilder(
            "{\"metadata\":{\"service\":{\"name\":\"billing\","
                + "\"agent\":{\"name\":\"java\",\"version\":\"1.55.1\"}}}}\n");
    for (int i = 0; i < traces.size(); i++) {
      Trace t = traces.get(i);
      Instant at = start.plusMillis(i + 5);
      long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
      lines.append(
          ("{\"transaction\":{\"id\":\"%s\",\"trace_id\":\"%s\",\"parent_id\":\"%s\","
                  + "\"name\":\"M15 POST /charge\",\"type\":\"request\",\"duration\":5,"
                  + "\"timestamp\":%d,\"sampled\":true,\"outcome\":\"success\","
                  + "\"span_count\":{\"started\":0,\"dropped\":0}}}\n")
              .formatted(t.billing(), t.id(), t.inventoryCall(), micros));
    }
    return lines.toString();
  }

  private static long nanos(Instant at) {
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  private static String hex(Random random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    b[0] |= 1; // never all zero (an invalid W3C id)
    return HexFormat.of().formatHex(b);
  }
}
