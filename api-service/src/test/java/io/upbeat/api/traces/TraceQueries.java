package io.upbeat.api.traces;

import java.util.Map;

/**
 * The trace store's statements, for the test that asks PostgreSQL how it runs them (they are
 * package-private to the store; this test-side bridge keeps them so).
 */
public final class TraceQueries {
  private TraceQueries() {}

  /**
   * Each statement by name; their parameters are {@code :trace}, {@code :apps} or {@code :samples},
   * {@code :limit}.
   */
  public static Map<String, String> byTrace() {
    return Map.of(
        "transactions", TraceStore.TRANSACTIONS,
        "spans", TraceStore.SPANS,
        "errors", TraceStore.ERRORS);
  }
}
