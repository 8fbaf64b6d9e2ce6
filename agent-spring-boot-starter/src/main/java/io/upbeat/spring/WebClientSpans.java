package io.upbeat.spring;

import io.upbeat.agent.ExitSpans;
import io.upbeat.agent.Span;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Records each exchange of a {@code WebClient} as an exit span of the transaction current on the
 * thread that subscribes to it (the thread that calls {@code block()}, or the request's thread for
 * a chain subscribed there), and sends the span's W3C trace context with the request, as {@link
 * RestClientSpans} does for the blocking clients. The span ends when the answer's status and
 * headers arrive (as the blocking clients' spans do), the call fails, or the subscriber cancels
 * (then its outcome is left unknown).
 */
final class WebClientSpans implements ExchangeFilterFunction {
  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return next.exchange(request);
    }
    Span s = ExitSpans.start(t, request.method().name(), request.url());
    ClientRequest traced =
        ClientRequest.from(request).headers(h -> RestClientSpans.propagate(h, t, s)).build();
    // Ended before the answer goes downstream, not in doFinally: a subscriber blocked on the
    // answer is released first, and its transaction could end before the span and lose it.
    return next.exchange(traced)
        .doOnSuccess(
            r -> {
              if (r != null) {
                s.setOutcome(ExitSpans.outcome(r.statusCode().value()));
              }
              s.end();
            })
        .doOnError(e -> s.setOutcome(Transaction.Outcome.FAILURE).end())
        .doOnCancel(s::end);
  }
}
