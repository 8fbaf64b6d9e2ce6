package io.upbeat.events;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One error occurrence.
 *
 * @param fingerprint the agent's grouping key, or null to group by exception and frames
 * @param contextJson the agent's {@code context} object as compact JSON, or null
 * @param traceId the trace the error happened in, or null
 * @param parentId the id of the span or transaction current when the error was captured, or null
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
    String contextJson,
    String traceId,
    String parentId) {
  public ErrorEvent {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(exception, "exception");
    fingerprint = fingerprint == null ? null : List.copyOf(fingerprint);
  }

  /** An error outside any known trace, as agents before trace propagation sent them. */
  public ErrorEvent(
      String id,
      Instant timestamp,
      String transactionId,
      String transactionName,
      String level,
      String culprit,
      ExceptionInfo exception,
      List<String> fingerprint,
      String contextJson) {
    this(
        id,
        timestamp,
        transactionId,
        transactionName,
        level,
        culprit,
        exception,
        fingerprint,
        contextJson,
        null,
        null);
  }

  /**
   * This error with another transaction name, culprit, exception, fingerprint or context
   * (scrubbing, the processor's in-app rules), its ids and trace links kept: the same instance when
   * every argument is the one it has.
   */
  public ErrorEvent withText(
      String transactionName,
      String culprit,
      ExceptionInfo exception,
      List<String> fingerprint,
      String contextJson) {
    if (transactionName == this.transactionName
        && culprit == this.culprit
        && exception == this.exception
        && fingerprint == this.fingerprint
        && contextJson == this.contextJson) {
      return this;
    }
    return new ErrorEvent(
        id,
        timestamp,
        transactionId,
        transactionName,
        level,
        culprit,
        exception,
        fingerprint,
        contextJson,
        traceId,
        parentId);
  }
}
