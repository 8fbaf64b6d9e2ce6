package io.upbeat.agent;

/**
 * A timed part of a transaction; end it once (or use try-with-resources). Spans started while
 * another span of the same transaction is open on the same thread are its children.
 */
public interface Span extends AutoCloseable {
  /**
   * Where an exit call goes: {@code host:port} for a network call (e.g. {@code inventory:8080}), or
   * the database system (e.g. {@code postgresql}). The service map and the trace view show it.
   */
  Span setDestination(String destination);

  /** Whether the work succeeded (for an HTTP call: a status below 400 and no exception). */
  Span setOutcome(Transaction.Outcome outcome);

  /**
   * The W3C {@code traceparent} header value an outgoing call made by this span carries: this
   * span's trace, the span itself as the callee's parent, and the trace's sampled flag. Set it (and
   * {@link Transaction#tracestate()}, when not null) on the request of a client the agent does not
   * instrument. Null on the no-op span.
   */
  String traceparent();

  void end();

  @Override
  default void close() {
    end();
  }
}
