package io.upbeat.spring.traced;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * An application that calls itself, {@code /front/{client}} calling {@code /back} through each
 * client the starter instruments, so that one request makes a trace of two transactions.
 */
@SpringBootApplication
public class TracedApp {
  @Bean
  HttpClient httpClient() {
    return HttpClient.newHttpClient();
  }

  @Bean
  RestClient.Builder restClientBuilder() {
    return RestClient.builder();
  }

  @Bean
  RestTemplate restTemplate() {
    return new RestTemplate();
  }

  @RestController
  static class Calls {
    private final RestClient.Builder restClient;
    private final RestTemplate restTemplate;
    private final WebClient.Builder webClient;
    private final HttpClient http;
    private final Environment env;

    Calls(
        RestClient.Builder restClient,
        RestTemplate restTemplate,
        WebClient.Builder webClient,
        HttpClient http,
        Environment env) {
      this.restClient = restClient;
      this.restTemplate = restTemplate;
      this.webClient = webClient;
      this.http = http;
      this.env = env;
    }

    /** Calls {@code /back} with the client named and answers what {@code /back} answered. */
    @GetMapping("/front/{client}")
    String front(@PathVariable String client) throws Exception {
      String back = "http://127.0.0.1:" + env.getProperty("local.server.port") + "/back";
      return switch (client) {
        case "restclient" -> restClient.build().get().uri(back).retrieve().body(String.class);
        case "resttemplate" -> restTemplate.getForObject(back, String.class);
        case "webclient" ->
            webClient.build().get().uri(back).retrieve().bodyToMono(String.class).block();
        case "jdk" ->
            http.send(
                    HttpRequest.newBuilder(URI.create(back)).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        default -> throw new IllegalArgumentException("no client " + client);
      };
    }

    /** Answers the trace context headers it received, and fails as an error of its trace. */
    @GetMapping("/back")
    String back(
        @RequestHeader(name = "traceparent", required = false) String traceparent,
        @RequestHeader(name = "tracestate", required = false) String tracestate) {
      io.upbeat.agent.Upbeat.captureException(new IllegalStateException("noted in /back"));
      return traceparent + " " + tracestate;
    }
  }
}
