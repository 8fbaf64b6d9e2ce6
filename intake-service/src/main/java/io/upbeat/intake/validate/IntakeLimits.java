package io.upbeat.intake.validate;

import java.time.Duration;

/**
 * What one intake request may contain. Defaults are the contract's.
 *
 * @param maxBodyBytes the body after decompression
 * @param maxEvents transactions plus errors
 * @param maxCauseDepth how many causes an exception may chain
 * @param maxContextBytes a {@code context} object, as compact JSON
 * @param maxStringChars any string value
 * @param maxAge how old an event's timestamp may be
 * @param maxFuture how far ahead of intake's clock an event's timestamp may be
 */
public record IntakeLimits(
    long maxBodyBytes,
    int maxEvents,
    int maxSpans,
    int maxFrames,
    int maxCauseDepth,
    int maxContextBytes,
    int maxStringChars,
    Duration maxAge,
    Duration maxFuture) {

  public static final IntakeLimits DEFAULTS =
      new IntakeLimits(
          5L * 1024 * 1024,
          10_000,
          1_000,
          500,
          10,
          16 * 1024,
          10_000,
          Duration.ofDays(7),
          Duration.ofMinutes(5));

  public IntakeLimits {
    requirePositive("max body bytes", maxBodyBytes);
    requirePositive("max events", maxEvents);
    requirePositive("max spans", maxSpans);
    requirePositive("max frames", maxFrames);
    requirePositive("max context bytes", maxContextBytes);
    requirePositive("max string chars", maxStringChars);
    if (maxCauseDepth < 0) {
      throw new IllegalArgumentException("max cause depth must not be negative: " + maxCauseDepth);
    }
    if (maxAge.isNegative() || maxFuture.isNegative()) {
      throw new IllegalArgumentException(
          "timestamp windows must not be negative: age=%s future=%s".formatted(maxAge, maxFuture));
    }
  }

  private static void requirePositive(String what, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive: " + value);
    }
  }
}
