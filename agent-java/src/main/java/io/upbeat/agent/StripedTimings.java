package io.upbeat.agent;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;
import java.util.Base64;

/**
 * The timings of one aggregate (a transaction name's or a destination's minute): exact count,
 * failures, sum, min and max, and a DDSketch of the durations in the very encoding the processor
 * stores (logarithmic mapping, relative accuracy 0.5%), so the server merges them exactly and the
 * percentiles keep the contract's 1% bound. {@link TransactionMetrics} and {@link
 * DestinationMetrics} both count into these, so their sketches can never disagree on the mapping.
 *
 * <p>Kept in stripes: each thread adds to the stripe its id picks, under that stripe's monitor, so
 * request threads finishing the same endpoint at once rarely wait for each other (one lock per
 * endpoint made every request thread queue on it). A drain merges the stripes.
 */
final class StripedTimings {
  private static final LogarithmicMapping MAPPING = new LogarithmicMapping(0.005);

  /** Stripes per aggregate: a power of two, about twice the processors, at most 16. */
  private static final int STRIPES =
      Integer.highestOneBit(
          Math.min(16, Math.max(2, 2 * Runtime.getRuntime().availableProcessors())));

  /** What a drain took: the counts since the previous drain, the sketch base64-encoded. */
  record Totals(
      long count, long failures, double sumMs, double minMs, double maxMs, String sketchBase64) {
    /** Writes the fields every minute aggregate of the intake JSON has, after its own. */
    void writeFields(Json j, long minute) {
      j.name("timestamp")
          .value(java.time.Instant.ofEpochSecond(minute * 60))
          .name("count")
          .value(count)
          .name("failures")
          .value(failures)
          .name("sum_ms")
          .value(sumMs)
          .name("min_ms")
          .value(minMs)
          .name("max_ms")
          .value(maxMs)
          .field("sketch", sketchBase64);
    }
  }

  /** A stripe's counts since the last drain: guarded by its own monitor. */
  private static final class Stripe {
    long count;
    long failures;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max;
    final DDSketch sketch = new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
    boolean closed;

    void reset() {
      count = 0;
      failures = 0;
      sum = 0;
      min = Double.POSITIVE_INFINITY;
      max = 0;
      sketch.clear();
    }
  }

  private final Stripe[] stripes = new Stripe[STRIPES];

  StripedTimings() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  /**
   * Counts one duration.
   *
   * @return false when these timings were closed by a drain (their minute is over and they are
   *     being forgotten): the caller counts into a fresh aggregate instead
   */
  boolean add(double durationMs, boolean failed) {
    Stripe stripe = stripes[stripeOfThisThread()];
    synchronized (stripe) {
      if (stripe.closed) {
        return false;
      }
      stripe.count++;
      stripe.sum += durationMs;
      stripe.min = Math.min(stripe.min, durationMs);
      stripe.max = Math.max(stripe.max, durationMs);
      if (failed) {
        stripe.failures++;
      }
      stripe.sketch.accept(Math.max(0, durationMs));
    }
    return true;
  }

  /**
   * Takes the counts since the last drain, resetting them; with {@code close}, stripe by stripe no
   * further {@link #add} is accepted, and what each still held is in the answer.
   *
   * @return null when nothing was counted since the last drain
   */
  Totals drain(boolean close) {
    long count = 0;
    long failures = 0;
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    DDSketch merged = null;
    for (Stripe stripe : stripes) {
      synchronized (stripe) {
        if (close) {
          stripe.closed = true;
        }
        if (stripe.count > 0) {
          count += stripe.count;
          failures += stripe.failures;
          sum += stripe.sum;
          min = Math.min(min, stripe.min);
          max = Math.max(max, stripe.max);
          if (merged == null) {
            merged = stripe.sketch.copy();
          } else {
            merged.mergeWith(stripe.sketch);
          }
          stripe.reset();
        }
      }
    }
    return count == 0 ? null : new Totals(count, failures, sum, min, max, encode(merged));
  }

  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; the agent runs on 17
  private static int stripeOfThisThread() {
    long id = Thread.currentThread().getId();
    return (int) (id ^ (id >>> 16)) & (STRIPES - 1);
  }

  private static String encode(DDSketch sketch) {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(out, true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot happen in memory", e);
    }
    return Base64.getEncoder().encodeToString(out.trimmedCopy());
  }
}
