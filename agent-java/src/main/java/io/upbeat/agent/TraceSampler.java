package io.upbeat.agent;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides, once at a trace's root, whether the trace is sampled: kept in full by every service it
 * crosses (the decision travels in {@code traceparent}'s flags). A root is sampled when a token
 * bucket of {@code tracesPerSecond} (bursts up to one second's worth) has a token, or else with
 * probability {@code sampleRate}. A transaction that continues a trace never asks: it takes its
 * caller's flag.
 *
 * <p>The bucket is a generic cell rate algorithm on one {@link AtomicLong}: the time at which the
 * bucket would be full again. A root that finds no token reads that field and nothing else, so
 * under load (most roots unsampled) the decision costs a volatile read and, only when the rate is
 * above zero, a random draw; a token taken is one compare-and-set.
 */
final class TraceSampler {
  private final long intervalNanos;
  private final long burstNanos;
  private final double sampleRate;
  private final AtomicLong fullAt;

  /**
   * @param tracesPerSecond sampled roots per second the bucket allows (0: none)
   * @param sampleRate the probability a root the bucket does not take is sampled anyway
   * @param nowNanos the clock's reading now ({@link System#nanoTime()})
   */
  TraceSampler(double tracesPerSecond, double sampleRate, long nowNanos) {
    this.intervalNanos = tracesPerSecond > 0 ? (long) (1e9 / tracesPerSecond) : -1;
    // A second's worth of tokens at most, and at least one.
    this.burstNanos = intervalNanos > 0 ? Math.max(intervalNanos, 1_000_000_000L) : 0;
    this.sampleRate = sampleRate;
    // Starts full.
    this.fullAt = new AtomicLong(nowNanos);
  }

  /** Whether a root that starts at {@code nowNanos} is sampled. */
  boolean sampleRoot(long nowNanos) {
    if (intervalNanos > 0) {
      while (true) {
        long full = fullAt.get();
        long base = full - nowNanos < 0 ? nowNanos : full;
        // Tokens are left while the bucket fills again within a burst's time.
        if (base + intervalNanos - nowNanos > burstNanos) {
          break;
        }
        if (fullAt.compareAndSet(full, base + intervalNanos)) {
          return true;
        }
      }
    }
    return sampleRate > 0 && ThreadLocalRandom.current().nextDouble() < sampleRate;
  }
}
