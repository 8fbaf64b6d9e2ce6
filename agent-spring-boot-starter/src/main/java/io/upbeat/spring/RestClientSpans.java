package io.upbeat.spring;

import io.upbeat.agent.Span;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import org.springframework.http.client.ClientHttpRequestInterceptor;

/** An interceptor that records each {@code RestClient} call within a transaction as a span. */
final class RestClientSpans {
  private RestClientSpans() {}

  static ClientHttpRequestInterceptor interceptor() {
    return (request, body, execution) -> {
      Transaction t = Upbeat.currentTransaction();
      if (t.isNoop()) {
        return execution.execute(request, body);
      }
      String host = request.getURI().getHost() == null ? "unknown" : request.getURI().getHost();
      int port = request.getURI().getPort();
      try (Span s =
          t.startSpan(
              request.getMethod().name() + " " + host + (port > 0 ? ":" + port : ""),
              "external.http")) {
        return execution.execute(request, body);
      }
    };
  }
}
