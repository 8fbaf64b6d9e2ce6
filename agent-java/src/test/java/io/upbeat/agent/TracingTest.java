package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Trace context end to end up to the wire: ids and parents of transactions, spans and errors,
 * continuing a caller's trace, the sampled flag both ways, and the JDK client's headers on a real
 * loopback server.
 */
class TracingTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER = "00f067aa0ba902b7";

  private final ReporterTest.FakeIntake intake = new ReporterTest.FakeIntake();

  private static UpbeatConfig.Builder config() {
    return UpbeatConfig.builder()
        .serverUrl("http://127.0.0.1:1")
        .secretToken("ub_app_test")
        .serviceName("shop-web")
        .flushInterval(Duration.ofMillis(50))
        .metricsInterval(Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    Upbeat.stop();
  }

  private List<JsonNode> sent(String array) {
    return intake.bodies.stream().flatMap(b -> b.get(array).valueStream()).toList();
  }

  @Test
  void aRootsSpansAndErrorsHangTogetherByIds() throws Exception {
    Upbeat.start(config().tracesPerSecond(1000).build(), intake);
    Transaction t = Upbeat.beginTransaction("GET /orders", "request");
    assertThat(t.isSampled()).isTrue();
    String outerParentHeader;
    try (Span outer = t.startSpan("load", "app")) {
      outerParentHeader = Upbeat.currentTraceparent();
      try (Span inner = t.startSpan("SELECT FROM orders", "db.postgresql.query")) {
        inner.setDestination("postgresql").setOutcome(Transaction.Outcome.SUCCESS);
        Upbeat.captureException(new IllegalStateException("in the inner span"));
      }
      // Made on another thread, within the transaction: not a child of this thread's open span.
      Thread other =
          new Thread(
              () -> {
                try (Transaction.Scope scope = t.activate()) {
                  t.startSpan("elsewhere", "app").end();
                }
              });
      other.start();
      other.join();
    }
    t.startSpan("after", "app").end();
    Upbeat.captureException(new IllegalArgumentException("in the transaction"));
    t.end();
    Upbeat.stop();

    JsonNode txn = sent("transactions").get(0);
    String traceId = txn.get("trace_id").asString();
    String id = txn.get("id").asString();
    assertThat(traceId).matches("[0-9a-f]{32}").isEqualTo(t.traceId());
    assertThat(id).matches("[0-9a-f]{16}");
    assertThat(txn.has("parent_id")).isFalse(); // a root
    assertThat(txn.get("sampled").asBoolean()).isTrue();

    Map<String, JsonNode> spans = new java.util.HashMap<>();
    txn.get("spans").valueStream().forEach(s -> spans.put(s.get("name").asString(), s));
    for (JsonNode s : spans.values()) {
      assertThat(s.get("id").asString()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
    }
    String outerId = spans.get("load").get("id").asString();
    assertThat(spans.get("load").get("parent_id").asString()).isEqualTo(id);
    assertThat(spans.get("SELECT FROM orders").get("parent_id").asString()).isEqualTo(outerId);
    assertThat(spans.get("SELECT FROM orders").get("destination").asString())
        .isEqualTo("postgresql");
    assertThat(spans.get("SELECT FROM orders").get("outcome").asString()).isEqualTo("success");
    assertThat(spans.get("elsewhere").get("parent_id").asString()).isEqualTo(id);
    assertThat(spans.get("after").get("parent_id").asString()).isEqualTo(id);
    assertThat(spans.get("load").has("destination")).isFalse();
    assertThat(spans.get("load").has("outcome")).isFalse();
    assertThat(outerParentHeader).isEqualTo("00-" + traceId + "-" + outerId + "-01");

    JsonNode inSpan = first(sent("errors"), "java.lang.IllegalStateException");
    assertThat(inSpan.get("trace_id").asString()).isEqualTo(traceId);
    assertThat(inSpan.get("transaction_id").asString()).isEqualTo(id);
    assertThat(inSpan.get("parent_id").asString())
        .isEqualTo(spans.get("SELECT FROM orders").get("id").asString());
    JsonNode inTxn = first(sent("errors"), "java.lang.IllegalArgumentException");
    assertThat(inTxn.get("parent_id").asString()).isEqualTo(id);
    assertThat(inTxn.get("trace_id").asString()).isEqualTo(traceId);
  }

  @Test
  void aTransactionContinuesItsCallersTraceAndTakesItsDecision() {
    // The bucket would sample every root; the caller said no.
    Upbeat.start(config().tracesPerSecond(1000).build(), intake);
    Transaction t =
        Upbeat.beginTransaction(
            "GET /stock", "request", "00-" + TRACE + "-" + CALLER + "-00", "rojo=1,congo=2");
    assertThat(t.traceId()).isEqualTo(TRACE);
    assertThat(t.isSampled()).isFalse();
    assertThat(t.tracestate()).isEqualTo("rojo=1,congo=2");
    assertThat(Upbeat.currentTracestate()).isEqualTo("rojo=1,congo=2");
    String own;
    try (Span s = t.startSpan("GET inventory:80", "external.http")) {
      own = s.traceparent();
      assertThat(Upbeat.currentTraceparent()).isEqualTo(own);
    }
    t.end();
    Upbeat.stop();

    // Sent in full by the per-name budget (its first this minute), but marked unsampled.
    JsonNode txn = sent("transactions").get(0);
    assertThat(txn.get("trace_id").asString()).isEqualTo(TRACE);
    assertThat(txn.get("parent_id").asString()).isEqualTo(CALLER);
    assertThat(txn.get("sampled").asBoolean()).isFalse();
    assertThat(own).isEqualTo("00-" + TRACE + "-" + txn.at("/spans/0/id").asString() + "-00");
    assertThat(Upbeat.currentTraceparent()).isNull();
  }

  @Test
  void aSampledCallerIsKeptInFullWhateverTheBudgetsSay() {
    Upbeat.start(config().tracesPerSecond(0).samplesPerMinute(0).build(), intake);
    for (int i = 0; i < 3; i++) {
      Upbeat.beginTransaction("GET /stock", "request", "00-" + TRACE + "-" + CALLER + "-01", null)
          .end();
    }
    // A root of this service: the bucket is empty and the budget is 0, so it is only counted.
    Upbeat.beginTransaction("GET /stock", "request").end();
    // A malformed traceparent starts a new trace (and its tracestate goes with it).
    Transaction fresh =
        Upbeat.beginTransaction(
            "GET /stock", "request", "00-" + TRACE.toUpperCase() + "-" + CALLER + "-01", "a=b");
    assertThat(fresh.traceId()).isNotEqualTo(TRACE).isNotEqualTo(TRACE.toUpperCase());
    assertThat(fresh.isSampled()).isFalse();
    assertThat(fresh.tracestate()).isNull();
    fresh.end();
    Upbeat.stop();

    List<JsonNode> txns = sent("transactions");
    assertThat(txns).hasSize(3);
    assertThat(txns).allSatisfy(x -> assertThat(x.get("sampled").asBoolean()).isTrue());
    assertThat(intake.aggregates.stream().mapToLong(a -> a.get("count").asLong()).sum())
        .isEqualTo(5);
  }

  @Test
  void theNoopTransactionHasNoTraceContext() {
    Transaction t = Upbeat.beginTransaction("x", "y", "00-" + TRACE + "-" + CALLER + "-01", null);
    assertThat(t.isNoop()).isTrue();
    assertThat(t.traceparent()).isNull();
    assertThat(t.traceId()).isNull();
    assertThat(t.startSpan("s", "t").setDestination("d").traceparent()).isNull();
    assertThat(Upbeat.currentTraceparent()).isNull();
  }

  @Test
  void theJdkClientSendsItsExitSpansContext() throws Exception {
    List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          Map<String, String> h = new java.util.HashMap<>();
          h.put("traceparent", exchange.getRequestHeaders().getFirst("traceparent"));
          h.put("tracestate", exchange.getRequestHeaders().getFirst("tracestate"));
          h.put("count", String.valueOf(exchange.getRequestHeaders().get("traceparent")));
          seen.add(h);
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/fail") ? 503 : 200, -1);
          exchange.close();
        });
    server.start();
    int port = server.getAddress().getPort();
    try {
      Upbeat.start(config().tracesPerSecond(0).build(), intake);
      HttpClient http = Upbeat.instrument(HttpClient.newHttpClient());
      URI ok = URI.create("http://127.0.0.1:" + port + "/ok");
      http.send(HttpRequest.newBuilder(ok).build(), HttpResponse.BodyHandlers.discarding());
      Transaction t =
          Upbeat.beginTransaction(
              "job", "scheduled", "00-" + TRACE + "-" + CALLER + "-01", "congo=t61rcWkgMzE");
      // A traceparent the application set itself is replaced by the span's.
      http.send(
          HttpRequest.newBuilder(ok)
              .header("traceparent", "00-" + "1".repeat(32) + "-" + "1".repeat(16) + "-00")
              .build(),
          HttpResponse.BodyHandlers.discarding());
      http.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fail")).build(),
              HttpResponse.BodyHandlers.discarding())
          .get();
      t.end();
      Upbeat.stop();
    } finally {
      server.stop(0);
    }
    JsonNode txn = sent("transactions").get(0);
    List<JsonNode> spans = txn.get("spans").valueStream().toList();
    assertThat(spans).hasSize(2);
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0).get("traceparent")).isNull(); // outside a transaction
    for (int i = 0; i < 2; i++) {
      JsonNode span = spans.get(i);
      assertThat(span.get("name").asString()).isEqualTo("GET 127.0.0.1:" + port);
      assertThat(span.get("type").asString()).isEqualTo("external.http");
      assertThat(span.get("destination").asString()).isEqualTo("127.0.0.1:" + port);
      assertThat(span.get("parent_id").asString()).isEqualTo(txn.get("id").asString());
      assertThat(seen.get(i + 1).get("traceparent"))
          .isEqualTo("00-" + TRACE + "-" + span.get("id").asString() + "-01");
      assertThat(seen.get(i + 1).get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
      assertThat(seen.get(i + 1).get("count")).doesNotContain(",");
    }
    assertThat(spans.get(0).get("outcome").asString()).isEqualTo("success");
    assertThat(spans.get(1).get("outcome").asString()).isEqualTo("failure");
  }

  private static JsonNode first(List<JsonNode> errors, String type) {
    return errors.stream()
        .filter(e -> e.at("/exception/type").asString().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " in " + errors));
  }
}
