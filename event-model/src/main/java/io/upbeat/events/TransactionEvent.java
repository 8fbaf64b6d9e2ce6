package io.upbeat.events;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One transaction (a request, a job) with its duration.
 *
 * @param contextJson the agent's {@code context} object as compact JSON, or null
 * @param parentId the id of the span, in the calling service, that started this transaction (from
 *     the incoming {@code traceparent}); null for a trace's root or when unknown
 * @param sampled the trace's keep-in-full decision as the root made it, or null when the sender did
 *     not say
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
    String contextJson,
    String parentId,
    Boolean sampled) {
  public TransactionEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(timestamp, "timestamp");
    spans = spans == null ? List.of() : List.copyOf(spans);
  }

  /** A transaction without a parent or a sampling decision (a root, or an older agent's). */
  public TransactionEvent(
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
    this(
        id,
        traceId,
        name,
        type,
        timestamp,
        durationMs,
        result,
        outcome,
        spans,
        contextJson,
        null,
        null);
  }

  /**
   * This transaction as it is counted when it is also sent in full as a sample: without its spans
   * and context, so a batch does not carry them twice.
   */
  public TransactionEvent withoutDetails() {
    return withText(name, List.of(), null);
  }

  /**
   * This transaction with other text (scrubbing, making text storable): the same instance when
   * every argument is the one it has.
   */
  public TransactionEvent withText(String name, List<Span> spans, String contextJson) {
    if (name == this.name && spans == this.spans && contextJson == this.contextJson) {
      return this;
    }
    return new TransactionEvent(
        id,
        traceId,
        name,
        type,
        timestamp,
        durationMs,
        result,
        outcome,
        spans,
        contextJson,
        parentId,
        sampled);
  }
}
