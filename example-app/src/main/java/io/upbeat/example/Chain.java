package io.upbeat.example;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * One hop of a chain of services, for distributed tracing: {@code GET /chain} calls {@code
 * ${DOWNSTREAM_URL}/chain} (with the same {@code fail} flag) when a downstream service is set, and
 * answers with its own name, the W3C {@code traceparent} it was called with (if any: what its
 * caller's agent propagated, so a test can tell which trace and which exit span each hop was called
 * from), and what the downstream answered. The last service ({@code DOWNSTREAM_URL} unset) answers
 * alone, or throws when {@code fail=true}: a 500 captured as an error there, which each caller's
 * {@code RestClient} turns into an exception (and a 500, and an error) of its own, so a failing
 * trace has an error in every service it crossed.
 *
 * <p>The call goes through a {@code RestClient} built from the application's {@code
 * RestClient.Builder} bean: the Upbeat starter adds its exit span and {@code traceparent} to that
 * builder, and the OpenTelemetry and Elastic agents instrument the JDK {@code HttpClient} it sends
 * with, so any of the three continues the trace into the next service.
 */
@Configuration(proxyBeanMethods = false)
class Chain {
  /** A builder bean, so that an instrumenting starter can add its interceptor to it. */
  @Bean
  RestClient.Builder restClientBuilder() {
    return RestClient.builder();
  }

  @RestController
  static class Hop {
    private final RestClient client;
    private final String service;

    Hop(
        RestClient.Builder builder,
        @Value("${shop.downstream-url:${DOWNSTREAM_URL:}}") String downstream,
        @Value("${spring.application.name:shop}") String service) {
      this.client = downstream.isBlank() ? null : builder.baseUrl(downstream).build();
      this.service = service;
    }

    @GetMapping("/chain")
    Map<String, Object> chain(
        @RequestParam(defaultValue = "false") boolean fail,
        @RequestHeader(name = "traceparent", required = false) String traceparent) {
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("service", service);
      answer.put("traceparent", traceparent);
      if (client == null) {
        if (fail) {
          throw new IllegalStateException("the last service of the chain failed, as asked");
        }
        return answer;
      }
      // A 5xx from downstream throws here (RestClient's default), failing this hop as well.
      answer.put(
          "downstream", client.get().uri("/chain?fail={fail}", fail).retrieve().body(Map.class));
      return answer;
    }
  }
}
