package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.agent.Upbeat;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.spring.example.ExampleApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The starter in a real Spring Boot application on real PostgreSQL, reporting to a fake intake on
 * loopback: requests become transactions named by route template, JDBC statements spans, and an
 * exception thrown by a controller an error of its request.
 */
@SpringBootTest(
    classes = ExampleApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITStarter {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  static final FakeIntake intake = new FakeIntake();
  static final List<JsonNode> received = intake.received;
  static final List<JsonNode> aggregates = intake.aggregates;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    stack.springProperties().entrySet().stream()
        .filter(e -> e.getKey().startsWith("spring.datasource"))
        .forEach(e -> registry.add(e.getKey(), e::getValue));
    registry.add("upbeat.server-url", intake::url);
    registry.add("upbeat.secret-token", () -> "ub_app_test");
    registry.add("upbeat.service-name", () -> "example");
    registry.add("upbeat.service-version", () -> "v1");
  }

  @AfterAll
  static void stopIntake() {
    intake.stop();
  }

  @LocalServerPort int port;

  @Test
  void requestsBecomeTransactionsWithSpansAndErrors() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    assertThat(get(http, "/users/7")).isEqualTo(200);
    assertThat(get(http, "/users/8")).isEqualTo(200);
    assertThat(get(http, "/boom")).isEqualTo(500);
    assertThat(get(http, "/proxy/9")).isEqualTo(200);
    assertThat(get(http, "/jdk/10")).isEqualTo(200);
    assertThat(get(http, "/handled/11")).isEqualTo(200);
    assertThat(get(http, "/later/12")).isEqualTo(200);
    assertThat(get(http, "/later-boom")).isEqualTo(500);
    assertThat(get(http, "/later-users/13")).isEqualTo(200);
    assertThat(get(http, "/pooled/14")).isEqualTo(200);
    // A request's transaction ends in the filter, after its response reached the client.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> received.stream().mapToInt(b -> b.get("transactions").size()).sum() == 12);
    Upbeat.stop();

    // Every request is counted in the agent's aggregates (sent on stop, at the latest)...
    assertThat(aggregates.stream().mapToLong(a -> a.get("count").asLong()).sum()).isEqualTo(12);
    assertThat(
            aggregates.stream()
                .filter(a -> a.get("name").asString().equals("GET /users/{id}"))
                .mapToLong(a -> a.get("count").asLong())
                .sum())
        .isEqualTo(4);
    // ...and, these being the first of their names this minute, each is also sent in full.
    List<JsonNode> txns =
        received.stream().flatMap(b -> b.get("transactions").valueStream()).toList();
    assertThat(txns.stream().map(t -> t.get("name").asString()))
        .containsExactlyInAnyOrder(
            "GET /users/{id}",
            "GET /users/{id}",
            "GET /users/{id}",
            "GET /users/{id}",
            "GET /boom",
            "GET /proxy/{id}",
            "GET /jdk/{id}",
            "GET /handled/{id}",
            "GET /later/{id}",
            "GET /later-boom",
            "GET /later-users/{id}",
            "GET /pooled/{id}");
    JsonNode jdk = first(txns, "name", "GET /jdk/{id}");
    assertThat(jdk.at("/spans/0/type").asString()).isEqualTo("external.http");
    JsonNode proxy = first(txns, "name", "GET /proxy/{id}");
    assertThat(proxy.at("/spans/0/name").asString()).isEqualTo("GET 127.0.0.1:" + port);
    assertThat(proxy.at("/spans/0/type").asString()).isEqualTo("external.http");
    JsonNode user = first(txns, "name", "GET /users/{id}");
    assertThat(user.get("result").asString()).isEqualTo("HTTP 2xx");
    assertThat(user.at("/spans/0/name").asString()).isEqualTo("SELECT FROM pg_class");
    assertThat(user.at("/spans/0/type").asString()).isEqualTo("db.postgresql.query");
    JsonNode boom = first(txns, "name", "GET /boom");
    assertThat(boom.get("result").asString()).isEqualTo("HTTP 5xx");
    assertThat(boom.get("outcome").asString()).isEqualTo("failure");

    List<JsonNode> errors = received.stream().flatMap(b -> b.get("errors").valueStream()).toList();
    assertThat(errors).hasSize(3);
    JsonNode error = first(errors, "/exception/type", "java.lang.IllegalStateException");
    // Captured by the application mid-request: named by the route Spring MVC has matched by then,
    // though the request's transaction is named for good only when it ends.
    JsonNode handled = first(errors, "/exception/type", "java.lang.IllegalArgumentException");
    assertThat(handled.get("transaction_name").asString()).isEqualTo("GET /handled/{id}");
    JsonNode handledTxn = first(txns, "name", "GET /handled/{id}");
    assertThat(handled.get("transaction_id").asString()).isEqualTo(handledTxn.get("id").asString());
    assertThat(handledTxn.get("result").asString()).isEqualTo("HTTP 2xx");
    // Asynchronous requests: recorded until their response is complete, failures included.
    JsonNode later = first(txns, "name", "GET /later/{id}");
    assertThat(later.get("duration_ms").asDouble()).isGreaterThanOrEqualTo(300.0);
    assertThat(later.get("result").asString()).isEqualTo("HTTP 2xx");
    JsonNode laterBoom = first(txns, "name", "GET /later-boom");
    assertThat(laterBoom.get("result").asString()).isEqualTo("HTTP 5xx");
    assertThat(laterBoom.get("outcome").asString()).isEqualTo("failure");
    // The Callable's query, run on an executor thread, is a span of its request.
    JsonNode laterUser = first(txns, "name", "GET /later-users/{id}");
    assertThat(laterUser.at("/spans/0/name").asString()).isEqualTo("SELECT FROM pg_class");
    assertThat(laterUser.get("result").asString()).isEqualTo("HTTP 2xx");
    // So is a query the request had Spring Boot's task executor run.
    JsonNode pooled = first(txns, "name", "GET /pooled/{id}");
    assertThat(pooled.at("/spans/0/name").asString()).isEqualTo("SELECT FROM pg_class");
    JsonNode laterError =
        first(errors, "/exception/type", "java.lang.UnsupportedOperationException");
    assertThat(laterError.get("transaction_id").asString())
        .isEqualTo(laterBoom.get("id").asString());
    assertThat(laterError.get("transaction_name").asString()).isEqualTo("GET /later-boom");
    assertThat(error.get("transaction_id").asString()).isEqualTo(boom.get("id").asString());
    // Named by its route already when the exception is captured, not "GET unknown route".
    assertThat(error.get("transaction_name").asString()).isEqualTo("GET /boom");
    // An error that escapes a request carries the request.
    assertThat(error.at("/context/request/method").asString()).isEqualTo("GET");
    assertThat(error.at("/context/request/url").asString()).isEqualTo("/boom");
    assertThat(error.at("/context/request/headers").properties()).isNotEmpty();
    assertThat(laterError.at("/context/request/url").asString()).isEqualTo("/later-boom");
    assertThat(error.at("/exception/type").asString()).isEqualTo("java.lang.IllegalStateException");
    JsonNode top = error.at("/exception/stacktrace/0");
    assertThat(top.get("module").asString()).isEqualTo("io.upbeat.spring.example.ExampleApp$Users");
    assertThat(top.get("in_app").asBoolean()).isTrue();
    assertThat(top.get("path").asString()).isEqualTo("io/upbeat/spring/example/ExampleApp.java");
    assertThat(received.get(0).at("/service/name").asString()).isEqualTo("example");
    assertThat(received.get(0).at("/service/version").asString()).isEqualTo("v1");
  }

  /** The first of {@code nodes} whose text at {@code pointer} (a field or a JSON pointer) is it. */
  private static JsonNode first(List<JsonNode> nodes, String pointer, String text) {
    return nodes.stream()
        .filter(
            n ->
                (pointer.startsWith("/") ? n.at(pointer) : n.path(pointer)).asString().equals(text))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + pointer + " = " + text + " in " + nodes));
  }

  private int get(HttpClient http, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
