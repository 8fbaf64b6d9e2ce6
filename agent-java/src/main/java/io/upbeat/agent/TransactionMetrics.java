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
 * error. Memory is bounded: beyond {@code maxCells} cells, new names are counted under {@value
 * #OTHER}.
 */
final class TransactionMetrics {
  /** Where transactions of names beyond the cell limit are counted (as the processor does). */
  static final String OTHER = "_other";

  private static final LogarithmicMapping MAPPING = new LogarithmicMapping(0.005);

  private record Key(String name, String type, long minute) {}

  /** One name, type and minute: guarded by its own monitor. */
  private static final class Cell {
    final Key key;
    long count;
    long failures;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max;
    final DDSketch sketch = new DDSketch(MAPPING, UnboundedSizeDenseStore::new);
    int samples;
    int errorSamples;
    boolean closed;

    Cell(Key key) {
      this.key = key;
    }
  }

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
   * @return whether to send it in full as a sample
   */
  boolean record(
      String name,
      String type,
      long startMillis,
      double durationMs,
      boolean failed,
      boolean hadError) {
    Key key = new Key(name, type, Math.floorDiv(startMillis, 60_000L));
    while (true) {
      Cell cell = cells.get(key);
      if (cell == null) {
        if (cells.size() >= maxCells && !OTHER.equals(name)) {
          folded.incrementAndGet();
          return record(OTHER, type, startMillis, durationMs, failed, hadError);
        }
        cell = cells.computeIfAbsent(key, Cell::new);
      }
      synchronized (cell) {
        if (cell.closed) {
          continue; // drained and removed meanwhile: a fresh cell takes it
        }
        cell.count++;
        cell.sum += durationMs;
        cell.min = Math.min(cell.min, durationMs);
        cell.max = Math.max(cell.max, durationMs);
        if (failed) {
          cell.failures++;
        }
        cell.sketch.accept(Math.max(0, durationMs));
        if (cell.samples < samplesPerMinute) {
          cell.samples++;
          return true;
        }
        if (hadError && cell.errorSamples < samplesPerMinute) {
          cell.errorSamples++;
          return true;
        }
        return false;
      }
    }
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
      synchronized (cell) {
        if (cell.count > 0) {
          out.add(
              new Aggregate(
                  cell.key.name(),
                  cell.key.type(),
                  cell.key.minute(),
                  cell.count,
                  cell.failures,
                  cell.sum,
                  cell.min,
                  cell.max,
                  encode(cell.sketch)));
          cell.count = 0;
          cell.failures = 0;
          cell.sum = 0;
          cell.min = Double.POSITIVE_INFINITY;
          cell.max = 0;
          cell.sketch.clear();
        } else if (cell.key.minute() < keepFrom) {
          cell.closed = true;
          cells.remove(cell.key, cell);
        }
      }
    }
    return out;
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
