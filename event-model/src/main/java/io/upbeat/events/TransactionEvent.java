package io.upbeat.events;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One transaction (a request, a job) with its duration.
 *
 * @param contextJson the agent's {@code context} object as compact JSON, or null
 */
public record TransactionEvent(
    String id,
    String traceId,
    String name,
    String type,
    Instant timestamp,
    double durationMs,
    String result,
    String outcome,
    List<Span> spans,
    String contextJson) {
  public TransactionEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(timestamp, "timestamp");
    spans = spans == null ? List.of() : List.copyOf(spans);
  }
}
