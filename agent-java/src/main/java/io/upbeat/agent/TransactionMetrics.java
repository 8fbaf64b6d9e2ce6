package io.upbeat.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transaction timings aggregated in the application, per name, type and minute, as {@link
 * StripedTimings} (exact counts, failures, sum, min, max and a DDSketch the server merges). This is
 * what lets the agent report every transaction while sending only a few of them in full: the cost
 * per transaction is a map lookup, a short lock and a sketch insert, not a JSON object to write,
 * compress and post.
 *
 * <p>Each cell also keeps its minute's sampling budget: the first {@code samplesPerMinute}
 * transactions of a name in a minute are sent in full (with spans), plus as many that captured an
 * error, besides those of sampled traces, which are always sent in full. Memory is bounded: beyond
 * {@code maxCells} cells, new names are counted under {@value #OTHER}.
 */
final class TransactionMetrics {
  /** Where transactions of names beyond the cell limit are counted (as the processor does). */
  static final String OTHER = "_other";

  private record Key(String name, String type, long minute) {}

  /** One name, type and minute: its timings and its minute's sampling budget. */
  private static final class Cell {
    final Key key;
    final StripedTimings timings = new StripedTimings();
    final java.util.concurrent.atomic.AtomicInteger samples =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger errorSamples =
        new java.util.concurrent.atomic.AtomicInteger();

    Cell(Key key) {
      this.key = key;
    }
  }

  /** One cell's aggregate as sent: the {@code transaction_metrics} element of a payload. */
  record Aggregate(String name, String type, long minute, StripedTimings.Totals totals) {
    void write(Json j) {
      j.beginObject().field("name", name).field("type", type);
      totals.writeFields(j, minute);
      j.endObject();
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
      if (!cell.timings.add(durationMs, failed)) {
        // Drained and being removed: a fresh cell takes it once the old one is gone.
        Thread.onSpinWait();
        cell = null;
        continue;
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
      // An old minute is closed: what it still holds is sent now, and it is forgotten.
      StripedTimings.Totals totals = cell.timings.drain(old);
      if (old) {
        cells.remove(cell.key, cell);
      }
      if (totals != null) {
        out.add(new Aggregate(cell.key.name(), cell.key.type(), cell.key.minute(), totals));
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
}
