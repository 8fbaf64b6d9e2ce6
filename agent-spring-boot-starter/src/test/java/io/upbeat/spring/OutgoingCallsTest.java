package io.upbeat.spring;

import static java.util.stream.Collectors.joining;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * What the starter installs on the Spring HTTP clients, and what each then sends: a request to a
 * real loopback server that records the trace context headers, made within a transaction that
 * continues a caller's trace.
 */
class OutgoingCallsTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final ApplicationContextRunner context =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  UpbeatAutoConfiguration.class,
                  ReactiveHttpClientAutoConfiguration.class,
                  WebClientAutoConfiguration.class));

  private HttpServer server;
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  private final List<String> tracestates = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          if (!exchange.getRequestURI().getPath().equals("/v1/events")) {
            traceparents.add(String.valueOf(exchange.getRequestHeaders().get("traceparent")));
            tracestates.add(String.valueOf(exchange.getRequestHeaders().get("tracestate")));
          }
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/gone") ? 404 : 202, -1);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private ApplicationContextRunner agentOn() {
    return context.withPropertyValues(
        "upbeat.server-url=" + url(""), "upbeat.secret-token=t", "upbeat.service-name=calls");
  }

  @Test
  void everyClientCarriesItsExitSpansTraceparentAndTheKeptTracestate() {
    agentOn()
        .withBean("restTemplate", RestTemplate.class, RestTemplate::new)
        .withBean("restClientBuilder", RestClient.Builder.class, RestClient::builder)
        .run(
            c -> {
              RestTemplate template = c.getBean(RestTemplate.class);
              RestClient rest = c.getBean(RestClient.Builder.class).build();
              WebClient web = c.getBean(WebClient.Builder.class).build();
              // Outside a transaction: nothing is added.
              template.getForObject(url("/outside"), String.class);
              Transaction t =
                  Upbeat.beginTransaction(
                      "job", "scheduled", "00-" + TRACE + "-00f067aa0ba902b7-01", "rojo=1");
              template.getForObject(url("/template"), String.class);
              rest.get().uri(url("/rest")).retrieve().toBodilessEntity();
              web.get().uri(url("/web")).retrieve().toBodilessEntity().block();
              t.end();
            });
    assertThat(traceparents).hasSize(4);
    assertThat(traceparents.get(0)).isEqualTo("null");
    for (String header : traceparents.subList(1, 4)) {
      // One header each, of the trace, with a span id of its own, sampled as the caller said.
      assertThat(header).matches("\\[00-" + TRACE + "-[0-9a-f]{16}-01]");
    }
    assertThat(traceparents.subList(1, 4)).doesNotHaveDuplicates();
    assertThat(tracestates.subList(1, 4)).containsOnly("[rojo=1]");
  }

  @Test
  void theInterceptorsAreAddedOnceAndTheWebClientFilterOnlyWithWebFlux() {
    agentOn()
        .withBean("restTemplate", RestTemplate.class, RestTemplate::new)
        .run(
            c -> {
              RestTemplate template = c.getBean(RestTemplate.class);
              assertThat(template.getInterceptors())
                  .singleElement()
                  .isInstanceOf(RestClientSpans.class);
              // Post-processed again: still one.
              c.getBean(
                      "upbeatRestClients",
                      org.springframework.beans.factory.config.BeanPostProcessor.class)
                  .postProcessAfterInitialization(template, "restTemplate");
              assertThat(template.getInterceptors()).hasSize(1);
              assertThat(c).hasBean("upbeatWebClients");
            });
    agentOn()
        .withClassLoader(new FilteredClassLoader(WebClient.class))
        .run(c -> assertThat(c).doesNotHaveBean("upbeatWebClients"));
  }

  @Test
  void aFailedCallIsAFailedExitSpan() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    server.removeContext("/");
    server.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          if (exchange.getRequestURI().getPath().equals("/v1/events")) {
            try (java.util.zip.GZIPInputStream in =
                new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
              bodies.add(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
          }
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/gone") ? 404 : 202, -1);
          exchange.close();
        });
    agentOn()
        .withBean("restClientBuilder", RestClient.Builder.class, RestClient::builder)
        .run(
            c -> {
              RestClient rest = c.getBean(RestClient.Builder.class).build();
              WebClient web = c.getBean(WebClient.Builder.class).build();
              Transaction t = Upbeat.beginTransaction("job", "scheduled");
              rest.get()
                  .uri(url("/gone"))
                  .exchange((request, response) -> response.getStatusCode().value());
              web.get()
                  .uri(url("/gone"))
                  .exchangeToMono(r -> r.releaseBody().thenReturn(r.statusCode().value()))
                  .block();
              t.end();
            });
    // The context closed: the agent stopped and sent what it had.
    String destination = "\"destination\":\"127.0.0.1:" + server.getAddress().getPort() + "\"";
    String spans =
        bodies.stream().filter(b -> b.contains("\"transactions\"")).collect(joining("\n"));
    assertThat(spans).contains("\"outcome\":\"failure\"");
    assertThat(spans.split(destination, -1)).hasSize(3);
    assertThat(spans).doesNotContain("\"outcome\":\"success\"");
    // Both calls counted, as failures, in the destination's aggregates (of one minute, or two).
    java.util.regex.Matcher counts =
        java.util.regex.Pattern.compile(
                java.util.regex.Pattern.quote(destination)
                    + ",\"timestamp\":\"[^\"]+\",\"count\":(\\d+),\"failures\":(\\d+)")
            .matcher(String.join("\n", bodies));
    long calls = 0;
    long failures = 0;
    while (counts.find()) {
      calls += Long.parseLong(counts.group(1));
      failures += Long.parseLong(counts.group(2));
    }
    assertThat(calls).isEqualTo(2);
    assertThat(failures).isEqualTo(2);
  }
}
