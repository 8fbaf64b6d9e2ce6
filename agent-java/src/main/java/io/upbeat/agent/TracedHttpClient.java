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
 * host:port}, of type {@code external.http}; see {@link Upbeat#instrument(HttpClient)}.
 */
final class TracedHttpClient extends HttpClient {
  private final HttpClient delegate;

  TracedHttpClient(HttpClient delegate) {
    this.delegate = delegate;
  }

  private static Span span(HttpRequest request) {
    Transaction t = Upbeat.currentTransaction();
    if (t.isNoop()) {
      return NoopTransaction.INSTANCE;
    }
    String host = request.uri().getHost() == null ? "unknown" : request.uri().getHost();
    int port = request.uri().getPort();
    return t.startSpan(
        request.method() + " " + host + (port > 0 ? ":" + port : ""), "external.http");
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    try (Span s = span(request)) {
      return delegate.send(request, handler);
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Span s = span(request);
    return delegate.sendAsync(request, handler).whenComplete((r, e) -> s.end());
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    Span s = span(request);
    return delegate.sendAsync(request, handler, push).whenComplete((r, e) -> s.end());
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
