package io.upbeat.spring;

import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Records every request as a transaction named by its route template ({@code GET /users/{id}},
 * never the raw URL, so names stay few) with result {@code HTTP 2xx} etc., and captures the
 * exceptions that escape the application.
 */
final class UpbeatFilter extends OncePerRequestFilter {
  static final String UNKNOWN_ROUTE = "unknown route";

  /** {@code HTTP 1xx} to {@code HTTP 5xx}, made once rather than on every request. */
  private static final String[] RESULTS = {
    "HTTP 0xx", "HTTP 1xx", "HTTP 2xx", "HTTP 3xx", "HTTP 4xx", "HTTP 5xx"
  };

  /**
   * Transaction names by method and route, made once: the same string object for every request of a
   * route, rather than a new one per request, which the agent's per-name aggregates then find by
   * identity. Routes are the application's own mappings; past {@value #MAX_NAMES} names are made
   * per request.
   */
  private static final int MAX_NAMES = 10_000;

  private final Map<String, Map<Object, String>> names = new ConcurrentHashMap<>();

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String method = request.getMethod();
    Transaction t = Upbeat.beginTransaction(name(method, UNKNOWN_ROUTE), "request");
    if (t.isNoop()) {
      chain.doFilter(request, response);
      return;
    }
    Throwable failure = null;
    try {
      chain.doFilter(request, response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      failure = e;
      Throwable cause =
          e instanceof ServletException s && s.getRootCause() != null ? s.getRootCause() : e;
      t.captureException(cause);
      throw e;
    } finally {
      Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
      if (route != null) {
        t.setName(name(method, route));
      }
      int status = failure != null && response.getStatus() < 400 ? 500 : response.getStatus();
      int family = status / 100;
      t.setResult(
          family >= 0 && family < RESULTS.length ? RESULTS[family] : "HTTP " + family + "xx");
      t.setOutcome(status >= 500 ? Transaction.Outcome.FAILURE : Transaction.Outcome.SUCCESS);
      t.end();
    }
  }

  private String name(String method, Object route) {
    Map<Object, String> byRoute = names.get(method);
    String name = byRoute == null ? null : byRoute.get(route);
    if (name == null) {
      name = method + " " + route;
      if (names.size() < 64 && byRoute == null) {
        byRoute = names.computeIfAbsent(method, m -> new ConcurrentHashMap<>());
      }
      if (byRoute != null && byRoute.size() < MAX_NAMES) {
        byRoute.put(route, name);
      }
    }
    return name;
  }
}
