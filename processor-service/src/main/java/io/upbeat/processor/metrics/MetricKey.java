package io.upbeat.processor.metrics;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** What response times are aggregated by: app, environment, transaction type and name, minute. */
public record MetricKey(UUID appId, String environment, String type, String name, Instant minute) {
  public MetricKey {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(minute, "minute");
  }
}
