package io.upbeat.agent;

/**
 * A unit of work the application measures: a request, a job. Begin it with {@link
 * Upbeat#beginTransaction}, end it once with {@link #end()} (or try-with-resources). Every method
 * is safe to call on the no-op transaction returned when the agent is not started, and none returns
 * null.
 */
public interface Transaction extends AutoCloseable {
  /**
   * Renames it, e.g. to the route template once the framework knows it ({@code GET /users/{id}}).
   */
  Transaction setName(String name);

  /** The result, e.g. {@code HTTP 2xx}. */
  Transaction setResult(String result);

  /** Marks it failed or succeeded (without it, an {@code HTTP 5xx} result counts as failed). */
  Transaction setOutcome(Outcome outcome);

  /** The user it served, by an id meaningful to the application (never a password). */
  Transaction setUser(String id);

  /**
   * The user it served, with what a person triaging its errors would want to see: an id meaningful
   * to the application, an e-mail address and a name (any may be null). Errors are counted by
   * distinct users: by the id, else the e-mail. The e-mail and name go with errors only, not with
   * transactions.
   */
  Transaction setUser(String id, String email, String name);

  /**
   * The request it serves, sent with its errors (not with its timing): the method, the URL as the
   * application received it (path and query) and headers. Kept within bounds (at most {@value
   * RealTransaction#MAX_HEADERS} headers, {@value RealTransaction#MAX_VALUE_CHARS} characters a
   * value, {@value RealTransaction#MAX_URL_CHARS} for the URL), so an error's context stays well
   * under intake's limit; intake replaces the values of secret headers ({@code Authorization},
   * {@code Cookie}...) and query parameters with {@code [Filtered]} before storing anything.
   * Framework integrations set it when they capture an error.
   */
  Transaction setRequest(String method, String url, java.util.Map<String, String> headers);

  /** A tag to filter and group by. */
  Transaction setTag(String key, String value);

  /** Starts a span (a database query, an outgoing call) within this transaction. */
  Span startSpan(String name, String type);

  /**
   * The trace it belongs to: 32 lowercase hex digits, its caller's when it continues a trace. Null
   * on the no-op transaction.
   */
  String traceId();

  /**
   * Whether its trace is sampled: kept in full by every service it crosses. Decided once at the
   * trace's root (see {@link UpbeatConfig.Builder#tracesPerSecond}) and taken from the caller's
   * {@code traceparent} otherwise.
   */
  boolean isSampled();

  /**
   * The W3C {@code traceparent} header value for an outgoing call made by the transaction itself
   * (its id as the callee's parent). A call is better made within an exit span ({@link #startSpan})
   * and given {@link Span#traceparent()}, so that the callee hangs under the span. Null on the
   * no-op transaction.
   */
  String traceparent();

  /**
   * The {@code tracestate} header value received with the trace, to forward unchanged on outgoing
   * calls; null when there is none.
   */
  String tracestate();

  /** Reports an exception as an error of this transaction. */
  void captureException(Throwable error);

  /**
   * Stops it being this thread's current transaction without ending it, for work that goes on
   * elsewhere (an asynchronous request whose response is written by another thread): the thread
   * then serves other work, and the transaction is ended later, from any thread. Its spans, tags
   * and errors can still be added through this object. Does nothing on another thread than the one
   * that began it, or once it has ended.
   */
  Transaction detach();

  /**
   * Makes it the calling thread's current transaction until the returned scope is closed (use
   * try-with-resources), for work done for it on another thread: a task an executor runs for an
   * asynchronous request. Within the scope, spans the agent records (JDBC, HTTP) and errors
   * captured through {@link Upbeat} belong to it, and a transaction begun there is nested in it.
   * Closing the scope, on the same thread, brings back what was current before; scopes close in the
   * reverse order they were opened. An ended transaction is not activated.
   */
  Scope activate();

  /** Ends it and queues it for sending; later calls do nothing. */
  void end();

  /** Whether this is the no-op transaction (the agent is not started). */
  boolean isNoop();

  @Override
  default void close() {
    end();
  }

  /** A transaction's time as a thread's current one, opened by {@link #activate()}. */
  interface Scope extends AutoCloseable {
    /** Ends the scope: what was current on the thread before is current again. */
    @Override
    void close();
  }

  /** How a transaction ended. */
  enum Outcome {
    SUCCESS("success"),
    FAILURE("failure"),
    UNKNOWN("unknown");

    final String wire;

    Outcome(String wire) {
      this.wire = wire;
    }
  }
}
