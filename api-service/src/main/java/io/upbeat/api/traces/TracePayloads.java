package io.upbeat.api.traces;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What {@code GET /api/v1/orgs/{org_id}/traces/{trace_id}} answers, and what the waterfall page
 * draws. Names become snake_case on the wire. Every {@code start_ms} is relative to {@code
 * started_at}, the trace's first event among those returned, so a client draws the timeline without
 * date arithmetic.
 */
final class TracePayloads {
  private TracePayloads() {}

  /**
   * One trace across the org's live apps.
   *
   * @param startedAt the earliest timestamp of any transaction, span or error returned
   * @param durationMs from {@code startedAt} to the last end of anything returned
   * @param truncated whether a list stopped at its bound ({@link TraceStore#MAX_TRANSACTIONS},
   *     {@link TraceStore#MAX_SPANS}, {@link TraceStore#MAX_ERRORS}); the earliest are kept
   * @param missingParents parent ids (of transactions, spans and errors) that match no transaction
   *     or span returned, in time order: the trace is partial (a caller that was not sampled or not
   *     in the org, a sample that expired, or a list that was truncated)
   */
  record Trace(
      String traceId,
      Instant startedAt,
      double durationMs,
      boolean truncated,
      List<String> missingParents,
      List<Transaction> transactions,
      List<Span> spans,
      List<TraceError> errors) {
    Trace {
      missingParents = List.copyOf(missingParents);
      transactions = List.copyOf(transactions);
      spans = List.copyOf(spans);
      errors = List.copyOf(errors);
    }
  }

  /**
   * A sampled transaction of the trace.
   *
   * @param parentId the span (usually in another service) that called it; null for the root
   * @param service the app's name
   * @param sampleId the stored sample, as the samples API returns it
   * @param kept why it was kept: {@code head} (its trace's hash, the agent's choice at the root, or
   *     because it failed or was slow: with its spans) or {@code tail} (the tail decision kept it
   *     because another part of the trace had an error, failed or was slow: without spans)
   */
  record Transaction(
      String id,
      String parentId,
      UUID appId,
      String service,
      String environment,
      String name,
      String type,
      Instant timestamp,
      double startMs,
      double durationMs,
      String result,
      String outcome,
      UUID sampleId,
      String kept) {}

  /**
   * A span of one of the trace's transactions.
   *
   * @param id null when the agent sent none (agents before traces)
   * @param service the app's name
   * @param parentId the enclosing span's id or the transaction's; null when the agent sent none, in
   *     which case the span belongs directly to {@code transactionId}
   * @param destination {@code host:port} of an exit call, or the database system; null if unknown
   * @param timestamp its transaction's start plus its offset in that transaction
   */
  record Span(
      String id,
      String parentId,
      String transactionId,
      UUID appId,
      String service,
      String name,
      String type,
      String destination,
      String outcome,
      Instant timestamp,
      double startMs,
      double durationMs) {}

  /**
   * An error captured in the trace.
   *
   * @param id the stored occurrence
   * @param eventId the id the agent gave the event
   * @param groupId the error group it was counted in
   * @param service the app's name
   * @param parentId the span or transaction current when it was captured
   * @param culprit the group's culprit (the in-app frame that threw); null if none was found
   */
  record TraceError(
      long id,
      String eventId,
      UUID groupId,
      UUID appId,
      String service,
      String transactionId,
      String parentId,
      Instant timestamp,
      double startMs,
      Thrown exception,
      String culprit) {}

  /** The outermost exception, as the agent sent its type and message. */
  record Thrown(String type, String message) {}
}
