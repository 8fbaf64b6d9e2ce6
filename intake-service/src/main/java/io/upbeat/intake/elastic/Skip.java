package io.upbeat.intake.elastic;

/**
 * Why a line of an Elastic intake stream was not turned into an event. Elastic agents drop a whole
 * request on any error status, so one odd line is skipped and counted, never refused.
 */
enum Skip {
  /** A {@code metricset} line: accepted and ignored (Upbeat computes its own metrics). */
  METRICSET("metricset", false),
  /** A {@code log} line: accepted and ignored. */
  LOG("log", false),
  /** Not one strict JSON object (syntax, duplicate keys, trailing data). */
  INVALID_JSON("invalid_json", true),
  /** An object whose key is none of metadata, transaction, span, error, metricset, log. */
  UNKNOWN_TYPE("unknown_type", true),
  /** A required field missing or of the wrong type, or a value outside its range. */
  INVALID_EVENT("invalid_event", true),
  /** More than 7 days old or more than 5 minutes ahead (intake's window). */
  TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range", true),
  /** One line larger than the per-event limit. */
  EVENT_TOO_LARGE("event_too_large", true),
  /** A span whose transaction is not in the same request. */
  SPAN_WITHOUT_TRANSACTION("span_without_transaction", true),
  /** A span beyond the per-transaction span limit. */
  TOO_MANY_SPANS("too_many_spans", true);

  private final String tag;
  private final boolean odd;

  Skip(String tag, boolean odd) {
    this.tag = tag;
    this.odd = odd;
  }

  /** The metric tag. */
  String tag() {
    return tag;
  }

  /** Whether this is a malformed event (counted as skipped) rather than an ignored kind. */
  boolean odd() {
    return odd;
  }
}
