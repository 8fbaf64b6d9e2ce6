package io.upbeat.spring.example;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** A small application the starter instruments in tests. */
@SpringBootApplication
public class ExampleApp {
  @org.springframework.context.annotation.Bean
  java.net.http.HttpClient httpClient() {
    return java.net.http.HttpClient.newHttpClient();
  }

  @org.springframework.context.annotation.Bean
  org.springframework.web.client.RestClient.Builder restClientBuilder() {
    return org.springframework.web.client.RestClient.builder();
  }

  @RestController
  static class Users {
    private final JdbcTemplate jdbc;
    private final org.springframework.web.client.RestClient.Builder restClient;
    private final org.springframework.core.env.Environment env;
    private final java.net.http.HttpClient http;
    private final org.springframework.core.task.AsyncTaskExecutor executor;

    Users(
        JdbcTemplate jdbc,
        org.springframework.web.client.RestClient.Builder restClient,
        org.springframework.core.env.Environment env,
        java.net.http.HttpClient http,
        @org.springframework.beans.factory.annotation.Qualifier("applicationTaskExecutor")
            org.springframework.core.task.AsyncTaskExecutor executor) {
      this.http = http;
      this.executor = executor;
      this.jdbc = jdbc;
      this.restClient = restClient;
      this.env = env;
    }

    @GetMapping("/users/{id}")
    String user(@PathVariable int id) {
      Integer n =
          jdbc.queryForObject("SELECT count(*) FROM pg_class WHERE oid > ?", Integer.class, id);
      return "user " + id + " (" + n + ")";
    }

    @GetMapping("/proxy/{id}")
    String proxy(@PathVariable int id) {
      // An outgoing call, through an instrumented RestClient, to this app itself.
      return restClient
          .build()
          .get()
          .uri("http://127.0.0.1:" + env.getProperty("local.server.port") + "/users/" + id)
          .retrieve()
          .body(String.class);
    }

    @GetMapping("/jdk/{id}")
    String jdk(@PathVariable int id) throws Exception {
      return http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(
                          "http://127.0.0.1:"
                              + env.getProperty("local.server.port")
                              + "/users/"
                              + id))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    }

    @GetMapping("/handled/{id}")
    String handled(@PathVariable int id) {
      try {
        throw new IllegalArgumentException("no such order " + id);
      } catch (IllegalArgumentException e) {
        // Captured by the application itself, mid-request: an error of this request's route.
        io.upbeat.agent.Upbeat.captureException(e);
        return "handled " + id;
      }
    }

    /** Answered by another thread, 300 ms after the handler returned. */
    @GetMapping("/later/{id}")
    java.util.concurrent.CompletableFuture<String> later(@PathVariable int id) {
      return java.util.concurrent.CompletableFuture.supplyAsync(
          () -> "later " + id,
          java.util.concurrent.CompletableFuture.delayedExecutor(
              300, java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /** Queries on a thread of Spring Boot's task executor, and waits for the answer. */
    @GetMapping("/pooled/{id}")
    String pooled(@PathVariable int id) throws Exception {
      return executor.submit(() -> user(id)).get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Queries on the executor's thread that Spring MVC runs the {@code Callable} on. */
    @GetMapping("/later-users/{id}")
    java.util.concurrent.Callable<String> laterUser(@PathVariable int id) {
      return () -> user(id);
    }

    /** Fails on another thread, after the handler returned. */
    @GetMapping("/later-boom")
    java.util.concurrent.Callable<String> laterBoom() {
      return () -> {
        throw new UnsupportedOperationException("later boom");
      };
    }

    @GetMapping("/boom")
    String boom() {
      throw new IllegalStateException("boom");
    }
  }
}
