package io.upbeat.agent;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that records each call made within a transaction as a span named {@code GET
 * host:port}, of type {@code external.http}, and sends the span's W3C trace context with the
 * request; see {@link Upbeat#instrument(HttpClient)}.
 */
final class TracedHttpClient extends HttpClient {
  private final HttpClient delegate;

  TracedHttpClient(HttpClient delegate) {
    this.delegate = delegate;
  }

  private static Span span(Transaction t, HttpRequest request) {
    return ExitSpans.start(t, request.method(), request.uri());
  }

  /** The request with the span's trace context headers (replacing any the caller had set). */
  private static HttpRequest traced(HttpRequest request, Transaction t, Span s) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
            request,
            (name, value) ->
                !name.equalsIgnoreCase(TraceContext.TRACEPARENT)
                    && !name.equalsIgnoreCase(TraceContext.TRACESTATE));
    b.header(TraceContext.TRACEPARENT, s.traceparent());
    String state = t.tracestate();
    if (state != null) {
      b.header(TraceContext.TRACESTATE, state);
    }
    return b.build();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return delegate.send(request, handler);
    }
    try (Span s = span(t, request)) {
      try {
        HttpResponse<T> response = delegate.send(traced(request, t, s), handler);
        s.setOutcome(ExitSpans.outcome(response.statusCode()));
        return response;
      } catch (IOException | InterruptedException | RuntimeException | Error e) {
        s.setOutcome(Transaction.Outcome.FAILURE);
        throw e;
      }
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return delegate.sendAsync(request, handler);
    }
    Span s = span(t, request);
    return ended(delegate.sendAsync(traced(request, t, s), handler), s);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return delegate.sendAsync(request, handler, push);
    }
    Span s = span(t, request);
    return ended(delegate.sendAsync(traced(request, t, s), handler, push), s);
  }

  /** Ends the span when the call completes, with its outcome. */
  private static <T> CompletableFuture<HttpResponse<T>> ended(
      CompletableFuture<HttpResponse<T>> call, Span s) {
    return call.whenComplete(
        (r, e) ->
            s.setOutcome(
                    e != null || r == null
                        ? Transaction.Outcome.FAILURE
                        : ExitSpans.outcome(r.statusCode()))
                .end());
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }
}
