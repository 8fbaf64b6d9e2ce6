package io.upbeat.spring;

import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Records every request as a transaction named by its route template ({@code GET /users/{id}},
 * never the raw URL, so names stay few) with result {@code HTTP 2xx} etc., and captures the
 * exceptions that escape the application.
 *
 * <p>A plain servlet filter, registered for request dispatches only (an error page or an async
 * dispatch is part of the request already recorded): Spring's {@code OncePerRequestFilter} would
 * set, read and remove a request attribute named by a string built on every request, which is more
 * than this filter's own work.
 *
 * <p>An asynchronous request (a {@code Callable}, {@code DeferredResult} or {@code
 * CompletableFuture} handler) is recorded until its response is complete, not only until its first
 * dispatch returns, and an exception that ends it is captured too.
 *
 * <p>A request carrying a W3C {@code traceparent} header continues the caller's trace (its trace
 * id, the caller's span as parent, its sampled flag) and keeps its {@code tracestate} for the calls
 * the request makes in turn; one without, or with a malformed one, starts a new trace.
 *
 * <p>The transaction is named by the route when its name is needed, so an error the application
 * captures itself while handling the request carries the route's name too (or {@code GET unknown
 * route} before Spring MVC has matched one).
 */
final class UpbeatFilter implements Filter {
  static final String UNKNOWN_ROUTE = "unknown route";

  /** The type of every transaction this filter records. */
  private static final String TYPE = "request";

  /** {@code HTTP 1xx} to {@code HTTP 5xx}, made once rather than on every request. */
  private static final String[] RESULTS = {
    "HTTP 0xx", "HTTP 1xx", "HTTP 2xx", "HTTP 3xx", "HTTP 4xx", "HTTP 5xx"
  };

  /** Routes whose names are kept; the application's own mappings, so rarely more than a few. */
  private static final int MAX_ROUTES = 10_000;

  /** Methods kept per route beyond its first. */
  private static final int MAX_OTHER_METHODS = 16;

  /**
   * A route's transaction names, made once: the same string object for every request of a route
   * rather than a new one per request, which the agent's per-name aggregates then find by identity.
   * Most routes are called with one method, so that one is found without a second lookup.
   */
  private record RouteNames(String method, String name, Map<String, String> others) {}

  private final Map<Object, RouteNames> routes = new ConcurrentHashMap<>();

  /**
   * Names a request's transaction by its route when the name is needed: when an error is captured
   * (the application's own, mid-request, included) and when it ends. One object for every request.
   */
  private final Function<HttpServletRequest, String> namer = this::name;

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    // Named by the route Spring MVC matched, asked for when the name is needed; continuing the
    // caller's trace when the request carries one.
    String traceparent = request.getHeader(RestClientSpans.TRACEPARENT);
    Transaction t =
        Upbeat.beginTransaction(
            TYPE, request, namer, traceparent, traceparent == null ? null : tracestate(request));
    if (t.isNoop()) {
      chain.doFilter(request, response);
      return;
    }
    Throwable failure = null;
    try {
      chain.doFilter(request, response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      failure = e;
      describe(t, request);
      t.captureException(rootCause(e));
      throw e;
    } finally {
      if (failure == null && request.isAsyncStarted()) {
        // Named now: the route is known, and the request's attributes are this thread's to read.
        t.setName(name(request));
        // The response is written later, by another thread: the transaction leaves this thread,
        // which goes on to other requests, and ends when the asynchronous request completes. (It
        // cannot complete before this filter returns: the container defers that until then.)
        t.detach();
        request.getAsyncContext().addListener(new AsyncEnd(t), request, response);
      } else {
        end(t, response, failure != null);
      }
    }
  }

  /** The request's {@code tracestate} headers as one list (the specification allows several). */
  static String tracestate(HttpServletRequest request) {
    java.util.Enumeration<String> values = request.getHeaders(RestClientSpans.TRACESTATE);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return first;
    }
    StringBuilder joined = new StringBuilder(first);
    while (values.hasMoreElements()) {
      joined.append(',').append(values.nextElement());
    }
    return joined.toString();
  }

  /** Sets the result and outcome from the response's status, and ends the transaction. */
  private static void end(Transaction t, HttpServletResponse response, boolean failed) {
    int status = failed && response.getStatus() < 400 ? 500 : response.getStatus();
    int family = status / 100;
    t.setResult(family >= 0 && family < RESULTS.length ? RESULTS[family] : "HTTP " + family + "xx");
    t.setOutcome(status >= 500 ? Transaction.Outcome.FAILURE : Transaction.Outcome.SUCCESS);
    t.end();
  }

  /**
   * Gives the transaction its request (method, URL with query, headers with repeated values joined)
   * for the error about to be captured: read only then, so requests that do not fail cost nothing.
   * The agent bounds what it keeps and intake filters secret values.
   */
  static void describe(Transaction t, HttpServletRequest request) {
    String query = request.getQueryString();
    String url = query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    java.util.Enumeration<String> names = request.getHeaderNames();
    while (names != null && names.hasMoreElements()) {
      String name = names.nextElement();
      headers.put(name, String.join(", ", java.util.Collections.list(request.getHeaders(name))));
    }
    t.setRequest(request.getMethod(), url, headers);
  }

  /** The exception a {@code ServletException} wraps, if any: the one the application threw. */
  private static Throwable rootCause(Throwable e) {
    return e instanceof ServletException s && s.getRootCause() != null ? s.getRootCause() : e;
  }

  /**
   * Ends an asynchronous request's transaction when the request completes (after a timeout or an
   * error too: the container completes it then), capturing the error that ended it, if any.
   */
  private static final class AsyncEnd implements AsyncListener {
    private final Transaction transaction;
    private volatile boolean failed;

    AsyncEnd(Transaction transaction) {
      this.transaction = transaction;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      end(transaction, (HttpServletResponse) event.getSuppliedResponse(), failed);
    }

    @Override
    public void onError(AsyncEvent event) {
      failed = true;
      if (event.getThrowable() != null) {
        if (event.getSuppliedRequest() instanceof HttpServletRequest request) {
          describe(transaction, request);
        }
        transaction.captureException(rootCause(event.getThrowable()));
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      // Completed next, by the framework (Spring MVC answers 503) or the container.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // Asynchronous processing started again, by a later dispatch: listeners must re-register.
      event
          .getAsyncContext()
          .addListener(this, event.getSuppliedRequest(), event.getSuppliedResponse());
    }
  }

  private String name(HttpServletRequest request) {
    Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
    return name(request.getMethod(), route == null ? UNKNOWN_ROUTE : route);
  }

  /** {@code METHOD route}, the same object each time for a known route and method. */
  String name(String method, Object route) {
    RouteNames known = routes.get(route);
    if (known == null && routes.size() < MAX_ROUTES) {
      known =
          routes.computeIfAbsent(
              route, r -> new RouteNames(method, method + " " + r, new ConcurrentHashMap<>()));
    }
    if (known == null) {
      return method + " " + route;
    }
    if (known.method().equals(method)) {
      return known.name();
    }
    Map<String, String> others = known.others();
    String name = others.get(method);
    if (name != null) {
      return name;
    }
    return others.size() < MAX_OTHER_METHODS
        ? others.computeIfAbsent(method, m -> m + " " + route)
        : method + " " + route;
  }
}
