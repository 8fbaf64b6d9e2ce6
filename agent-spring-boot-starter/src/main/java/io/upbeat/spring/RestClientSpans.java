package io.upbeat.spring;

import io.upbeat.agent.ExitSpans;
import io.upbeat.agent.Span;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Records each call a {@code RestClient} or {@code RestTemplate} makes within a transaction as an
 * exit span ({@code GET host:port}, destination {@code host:port}, outcome by the status), and
 * sends the span's W3C {@code traceparent} and the transaction's {@code tracestate} with the
 * request, so the service called continues the trace. Calls outside a transaction go through
 * untouched.
 */
final class RestClientSpans implements ClientHttpRequestInterceptor {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";

  @Override
  public ClientHttpResponse intercept(
      HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return execution.execute(request, body);
    }
    try (Span s = ExitSpans.start(t, request.getMethod().name(), request.getURI())) {
      propagate(request.getHeaders(), t, s);
      try {
        ClientHttpResponse response = execution.execute(request, body);
        s.setOutcome(ExitSpans.outcome(response.getStatusCode().value()));
        return response;
      } catch (IOException | RuntimeException | Error e) {
        s.setOutcome(Transaction.Outcome.FAILURE);
        throw e;
      }
    }
  }

  /**
   * Sets the span's {@code traceparent} on an outgoing request (replacing any the application set)
   * and the transaction's {@code tracestate} when it has one.
   */
  static void propagate(HttpHeaders headers, Transaction t, Span s) {
    headers.set(TRACEPARENT, s.traceparent());
    String state = t.tracestate();
    if (state != null) {
      headers.set(TRACESTATE, state);
    }
  }
}
