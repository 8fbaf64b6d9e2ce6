package io.upbeat.agent;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transaction timings aggregated in the application, per name, type and minute: exact count,
 * failures, sum, min and max, and a DDSketch of the durations in the very encoding the processor
 * stores (logarithmic mapping, relative accuracy 0.5%), so the server merges them exactly and the
 * percentiles keep the contract's 1% bound. This is what lets the agent report every transaction
 * while sending only a few of them in full: the cost per transaction is a map lookup, a short lock
 * and a sketch insert, not a JSON object to write, compress and post.
 *
 * <p>Each cell also keeps its minute's sampling budget: the first {@code samplesPerMinute}
 * transactions of a name in a minute are sent in full (with spans), plus as many that captured an
 * error, besides those of sampled traces, which are always sent in full. Memory is bounded: beyond
 * {@code maxCells} cells, new names are counted under {@value #OTHER}.
 */
final class TransactionMetrics {
  /** Where transactions of names beyond the cell limit are counted (as the processor does). */
  static final String OTHER = "_other";

  private static final LogarithmicMapping MAPPING = new LogarithmicMapping(0.005);

  private record Key(String name, String type, long minute) {}

  /**
   * One name, type and minute, in stripes: each thread adds to the stripe its id picks, under that
   * stripe's monitor, so request threads finishing the same endpoint at once rarely wait for each
   * other (one lock per endpoint made every request thread queue on it). A drain merges the
   * stripes.
   */
  private static final class Cell {
    final Key key;
    final Stripe[] stripes = new Stripe[STRIPES];
    final java.util.concurrent.atomic.AtomicInteger samples =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger errorSamples =
        new java.util.concurrent.atomic.AtomicInteger();

    Cell(Key key) {
      this.key = key;
      for (int i = 0; i < STRIPES; i++) {
        stripes[i] = new Stripe();
      }
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

  /** Stripes per cell: a power of two, about twice the processors, at most 16. */
  private static final int STRIPES =
      Integer.highestOneBit(
          Math.min(16, Math.max(2, 2 * Runtime.getRuntime().availableProcessors())));

  /** One cell's aggregate as sent: the {@code transaction_metrics} element of a payload. */
  record Aggregate(
      String name,
      String type,
      long minute,
      long count,
      long failures,
      double sumMs,
      double minMs,
      double maxMs,
      String sketchBase64) {
    void write(Json j) {
      j.beginObject()
          .field("name", name)
          .field("type", type)
          .name("timestamp")
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
          .field("sketch", sketchBase64)
          .endObject();
    }
  }

  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

  /**
   * The cells used last, found by the identity of their name and type strings and their minute:
   * callers such as the servlet filter pass the same string objects for every transaction of a
   * route, so most transactions find their cell here without making a key or hashing the name. An
   * entry is immutable (safely published by its final fields), so racing writers just replace each
   * other; a miss, or a cell drained for good, goes to {@link #cells}.
   */
  private final Recent[] recent = new Recent[RECENT];

  private static final int RECENT = 64;

  private record Recent(String name, String type, long minute, Cell cell) {}

  private final int maxCells;
  private final int samplesPerMinute;
  private final AtomicLong folded = new AtomicLong();

  TransactionMetrics(int maxCells, int samplesPerMinute) {
    this.maxCells = maxCells;
    this.samplesPerMinute = samplesPerMinute;
  }

  /**
   * Counts one finished transaction.
   *
   * @param startMillis when it started (epoch milliseconds): its minute
   * @param failed whether its outcome was a failure
   * @param hadError whether it captured an error (then it is sampled more readily)
   * @param traced whether its trace is sampled: then it is sent in full whatever the budget, and
   *     takes nothing from it (the budget keeps every name covered by examples, traced or not)
   * @return whether to send it in full as a sample
   */
  boolean record(
      String name,
      String type,
      long startMillis,
      double durationMs,
      boolean failed,
      boolean hadError,
      boolean traced) {
    long minute = Math.floorDiv(startMillis, 60_000L);
    int slot = (System.identityHashCode(name) ^ (int) minute) & (RECENT - 1);
    Recent last = recent[slot];
    Cell cell =
        last != null && last.name == name && last.type == type && last.minute == minute
            ? last.cell
            : null;
    Stripe stripe;
    while (true) {
      if (cell == null) {
        Key key = new Key(name, type, minute);
        cell = cells.get(key);
        if (cell == null) {
          if (cells.size() >= maxCells && !OTHER.equals(name)) {
            folded.incrementAndGet();
            return record(OTHER, type, startMillis, durationMs, failed, hadError, traced);
          }
          cell = cells.computeIfAbsent(key, Cell::new);
        }
        recent[slot] = new Recent(name, type, minute, cell);
      }
      stripe = cell.stripes[stripeOfThisThread()];
      synchronized (stripe) {
        if (stripe.closed) {
          // Drained and being removed: a fresh cell takes it once the old one is gone.
          Thread.onSpinWait();
          cell = null;
          continue;
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
      break;
    }
    if (traced) {
      return true;
    }
    // The minute's sampling budget: a plain read once it is spent, so most calls never write.
    if (cell.samples.get() < samplesPerMinute
        && cell.samples.incrementAndGet() <= samplesPerMinute) {
      return true;
    }
    return hadError
        && cell.errorSamples.get() < samplesPerMinute
        && cell.errorSamples.incrementAndGet() <= samplesPerMinute;
  }

  /**
   * Takes every cell's counts since the last drain (resetting them) and forgets the cells of
   * minutes before {@code currentMinute - 1} that had nothing new: a transaction still counting
   * into one of those takes a new cell, drained next time, so nothing is lost or counted twice.
   */
  List<Aggregate> drain(long nowMillis) {
    long keepFrom = Math.floorDiv(nowMillis, 60_000L) - 1;
    List<Aggregate> out = new ArrayList<>();
    for (Cell cell : cells.values()) {
      boolean old = cell.key.minute() < keepFrom;
      long count = 0;
      long failures = 0;
      double sum = 0;
      double min = Double.POSITIVE_INFINITY;
      double max = 0;
      DDSketch merged = null;
      for (Stripe stripe : cell.stripes) {
        synchronized (stripe) {
          if (old) {
            // An old minute: closed stripe by stripe, and what each still holds is sent below.
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
      if (old) {
        cells.remove(cell.key, cell);
      }
      if (count > 0) {
        out.add(
            new Aggregate(
                cell.key.name(),
                cell.key.type(),
                cell.key.minute(),
                count,
                failures,
                sum,
                min,
                max,
                encode(merged)));
      }
    }
    return out;
  }

  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; the agent runs on 17
  private static int stripeOfThisThread() {
    long id = Thread.currentThread().getId();
    return (int) (id ^ (id >>> 16)) & (STRIPES - 1);
  }

  /** Transactions counted under {@value #OTHER} because the cells were full. */
  long folded() {
    return folded.get();
  }

  int cells() {
    return cells.size();
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
