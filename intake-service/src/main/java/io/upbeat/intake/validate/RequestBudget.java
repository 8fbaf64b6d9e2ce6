package io.upbeat.intake.validate;

import java.time.Duration;

/**
 * What one request may cost intake beyond its size: time to upload, and, for OTLP, what its body
 * decodes to. Counted while reading and decoding, so a request over budget is refused before it
 * holds a thread or heap for long.
 *
 * @param readTimeout the whole body must arrive within this, counted from the first read ({@code
 *     /v1/events}, OTLP)
 * @param streamReadTimeout the same for the Elastic stream, which agents hold open while they send
 * @param maxOtlpItems spans, log records or metric data points in one OTLP request
 * @param maxOtlpMessages protobuf messages of any kind in one OTLP request (attributes, events,
 *     links...): what bounds the heap a small body of empty messages would take
 */
public record RequestBudget(
    Duration readTimeout, Duration streamReadTimeout, int maxOtlpItems, int maxOtlpMessages) {
  public static final RequestBudget DEFAULTS =
      new RequestBudget(Duration.ofSeconds(30), Duration.ofSeconds(15), 20_000, 500_000);

  public RequestBudget {
    if (!readTimeout.isPositive() || !streamReadTimeout.isPositive()) {
      throw new IllegalArgumentException(
          "read timeouts must be positive: %s %s".formatted(readTimeout, streamReadTimeout));
    }
    if (maxOtlpItems < 1 || maxOtlpMessages < maxOtlpItems) {
      throw new IllegalArgumentException(
          "max OTLP items must be positive and at most max OTLP messages: %d %d"
              .formatted(maxOtlpItems, maxOtlpMessages));
    }
  }
}
