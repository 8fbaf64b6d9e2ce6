package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.agent.Upbeat;
import io.upbeat.spring.traced.TracedApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A Spring Boot application calling itself through every client the starter instruments
 * (RestClient, RestTemplate, WebClient, the JDK's HttpClient), reporting to a fake intake on
 * loopback: the caller's and the callee's transactions form one trace (same trace id, the callee's
 * parent the caller's exit span), and the sampled flag is obeyed both ways, from the caller and
 * from a root's own decision.
 *
 * <p>No per-name budget ({@code samples-per-minute: 0}), so what is sent in full is what the
 * traces' decisions keep; and a bucket of one trace every 83 minutes: the first root is sampled,
 * the next ones not.
 */
@SpringBootTest(
    classes = TracedApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITTracePropagation {
  static final String[] CLIENTS = {"restclient", "resttemplate", "webclient", "jdk"};
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER = "00f067aa0ba902b7";

  static final FakeIntake intake = new FakeIntake();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("upbeat.server-url", intake::url);
    registry.add("upbeat.secret-token", () -> "ub_app_test");
    registry.add("upbeat.service-name", () -> "traced");
    registry.add("upbeat.samples-per-minute", () -> "0");
    registry.add("upbeat.traces-per-second", () -> "0.0002");
    registry.add("upbeat.trace-sample-rate", () -> "0");
  }

  @AfterAll
  static void stopIntake() {
    intake.stop();
  }

  @LocalServerPort int port;

  @Test
  void callerAndCalleeFormOneTraceThroughEveryClient() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    // The first root: the bucket's one token, so sampled, and its callee with it.
    String rootAnswer = get(http, "/front/restclient", null, null);
    // The next roots: the bucket is empty, so unsampled, and so are their callees.
    for (String client : CLIENTS) {
      get(http, "/front/" + client, null, null);
    }
    // Callers that did not sample their trace, and callers that did (last: the wait below then
    // knows every request has ended once the last one's transaction has arrived).
    for (String client : CLIENTS) {
      get(http, "/front/" + client, "00-" + "a".repeat(32) + "-" + CALLER + "-00", null);
    }
    for (String client : CLIENTS) {
      String answer =
          get(http, "/front/" + client, "00-" + TRACE + "-" + CALLER + "-01", "rojo=1,congo=2");
      // /back received a traceparent of the same trace, and the tracestate unchanged.
      assertThat(answer).startsWith("00-" + TRACE + "-").endsWith("-01 rojo=1,congo=2");
    }
    // 5 roots, 8 continued: 13 fronts and 13 backs. Each ends after its response is sent.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> sent("errors").size() == 13 && sent("transactions").size() == 10);
    Upbeat.stop();
    assertThat(intake.counted()).isEqualTo(26);

    // Sent in full: the sampled root's two transactions and the sampled callers' eight, no other.
    List<JsonNode> txns = sent("transactions");
    assertThat(txns).hasSize(10);
    assertThat(txns).allSatisfy(t -> assertThat(t.get("sampled").asBoolean()).isTrue());
    assertThat(txns.stream().filter(t -> t.get("trace_id").asString().equals(TRACE))).hasSize(8);

    JsonNode root = only(txns, t -> !t.has("parent_id"));
    assertThat(root.get("name").asString()).isEqualTo("GET /front/{client}");
    String rootTrace = root.get("trace_id").asString();
    assertThat(rootTrace).matches("[0-9a-f]{32}");
    JsonNode rootSpan = root.at("/spans/0");
    JsonNode rootCallee =
        only(txns, t -> t.path("parent_id").asString().equals(rootSpan.get("id").asString()));
    assertThat(rootCallee.get("name").asString()).isEqualTo("GET /back");
    assertThat(rootCallee.get("trace_id").asString()).isEqualTo(rootTrace);
    assertThat(rootAnswer)
        .isEqualTo("00-" + rootTrace + "-" + rootSpan.get("id").asString() + "-01 null");

    // Through each client: the caller's exit span is the callee's parent.
    List<JsonNode> fronts =
        txns.stream()
            .filter(t -> t.get("trace_id").asString().equals(TRACE))
            .filter(t -> t.get("name").asString().equals("GET /front/{client}"))
            .toList();
    assertThat(fronts).hasSize(4);
    for (JsonNode front : fronts) {
      assertThat(front.get("parent_id").asString()).isEqualTo(CALLER);
      JsonNode exit = front.at("/spans/0");
      assertThat(exit.get("type").asString()).isEqualTo("external.http");
      assertThat(exit.get("name").asString()).isEqualTo("GET 127.0.0.1:" + port);
      assertThat(exit.get("destination").asString()).isEqualTo("127.0.0.1:" + port);
      assertThat(exit.get("outcome").asString()).isEqualTo("success");
      assertThat(exit.get("parent_id").asString()).isEqualTo(front.get("id").asString());
      JsonNode back =
          only(txns, t -> t.path("parent_id").asString().equals(exit.get("id").asString()));
      assertThat(back.get("name").asString()).isEqualTo("GET /back");
      assertThat(back.get("trace_id").asString()).isEqualTo(TRACE);
    }

    // Every error is of its transaction's trace, under the transaction.
    List<JsonNode> errors = sent("errors");
    assertThat(errors.stream().filter(e -> e.get("trace_id").asString().equals(TRACE))).hasSize(4);
    assertThat(errors.stream().filter(e -> e.get("trace_id").asString().equals("a".repeat(32))))
        .hasSize(4);
    for (JsonNode back :
        txns.stream().filter(t -> t.get("name").asString().equals("GET /back")).toList()) {
      JsonNode error =
          only(errors, e -> e.get("transaction_id").asString().equals(back.get("id").asString()));
      assertThat(error.get("trace_id").asString()).isEqualTo(back.get("trace_id").asString());
      assertThat(error.get("parent_id").asString()).isEqualTo(back.get("id").asString());
    }
  }

  private static List<JsonNode> sent(String array) {
    return intake.sent(array);
  }

  private static JsonNode only(List<JsonNode> nodes, java.util.function.Predicate<JsonNode> p) {
    List<JsonNode> matching = nodes.stream().filter(p).toList();
    assertThat(matching).as("matching in %s", nodes).hasSize(1);
    return matching.get(0);
  }

  private String get(HttpClient http, String path, String traceparent, String tracestate)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    if (tracestate != null) {
      b.header("tracestate", tracestate);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }
}
