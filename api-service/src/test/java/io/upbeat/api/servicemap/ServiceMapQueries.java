package io.upbeat.api.servicemap;

import java.util.Map;

/**
 * The service map store's statements, for the test that asks PostgreSQL how it runs them (they are
 * package-private to the store; this test-side bridge keeps them so).
 */
public final class ServiceMapQueries {
  private ServiceMapQueries() {}

  /**
   * Each statement by name; their parameters are {@code :apps}, {@code :from}, {@code :to} and, for
   * the evidence, {@code :since} and {@code :limit}.
   */
  public static Map<String, String> all() {
    return Map.of(
        "destinations", ServiceMapStore.DESTINATIONS,
        "evidence", ServiceMapStore.EVIDENCE);
  }
}
