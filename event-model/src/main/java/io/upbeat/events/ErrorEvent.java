package io.upbeat.events;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One error occurrence.
 *
 * @param fingerprint the agent's grouping key, or null to group by exception and frames
 * @param contextJson the agent's {@code context} object as compact JSON, or null
 */
public record ErrorEvent(
    String id,
    Instant timestamp,
    String transactionId,
    String transactionName,
    String level,
    String culprit,
    ExceptionInfo exception,
    List<String> fingerprint,
    String contextJson) {
  public ErrorEvent {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(exception, "exception");
    fingerprint = fingerprint == null ? null : List.copyOf(fingerprint);
  }
}
