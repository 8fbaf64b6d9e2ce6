package io.upbeat.intake.ratelimit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket: {@code ratePerSecond} tokens refill continuously up to {@code capacity}.
 * Thread-safe. Time comes from an injected nanosecond ticker, so tests control it.
 */
public final class TokenBucket {
  private final double ratePerNano;
  private final double capacity;
  private final LongSupplier nanoTicker;
  private double tokens;
  private long lastNanos;

  public TokenBucket(double ratePerSecond, double capacity, LongSupplier nanoTicker) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) {
      throw new IllegalArgumentException(
          "rate must be positive and capacity at least 1: rate=%s capacity=%s"
              .formatted(ratePerSecond, capacity));
    }
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = capacity;
    this.nanoTicker = nanoTicker;
    this.tokens = capacity;
    this.lastNanos = nanoTicker.getAsLong();
  }

  /**
   * Takes {@code n} tokens if there are that many (a request larger than the capacity needs a full
   * bucket); otherwise takes none and says how long until there will be.
   *
   * @return {@link Duration#ZERO} if taken, else the wait
   */
  public synchronized Duration tryTake(int n) {
    refill();
    double needed = Math.min(n, capacity);
    if (tokens >= needed) {
      tokens -= needed;
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) Math.ceil((needed - tokens) / ratePerNano));
  }

  /** Whether at least one token is available, without taking it. */
  public synchronized boolean hasAny() {
    refill();
    return tokens >= 1;
  }

  private void refill() {
    long now = nanoTicker.getAsLong();
    tokens = Math.min(capacity, tokens + (now - lastNanos) * ratePerNano);
    lastNanos = now;
  }
}
