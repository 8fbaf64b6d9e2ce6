package io.upbeat.alerting;

import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The stored minute data a condition reads, merged per minute (absent minutes had no data). */
public interface MinuteSource {
  /**
   * Transactions per minute in [from, to): one transaction's (by name, every type), or the app's
   * (every transaction) when {@code transaction} is null, merged over source partitions and types.
   *
   * @param environment null for all
   */
  Map<Instant, DurationStats> transactions(
      UUID app, String environment, String transaction, Instant from, Instant to);

  /**
   * Errors per minute in [from, to): of one group, or of the app when {@code group} is null.
   *
   * @param environment null for all
   */
  Map<Instant, Long> errors(UUID app, String environment, UUID group, Instant from, Instant to);
}
