package io.upbeat.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Exit spans (outgoing HTTP calls, database queries: every span with a destination) aggregated in
 * the application per destination and minute, as {@link StripedTimings}: exact count, failures
 * (outcome {@code failure}), sum, min, max and the same DDSketch as the transaction metrics. Sent
 * as {@code destination_metrics} with the transaction metrics, they count every call whatever the
 * sampling, which is what the service map's edges are made of (as Elastic APM's span destination
 * metrics).
 *
 * <p>Memory is bounded: beyond {@code maxCells} destination-minutes, new destinations are counted
 * under {@value #OTHER}. A span costs a lookup in a small cache of the cells used last (by the
 * destination's equality, as HTTP clients build a new {@code host:port} string per call), a short
 * lock and a sketch insert: no key is made unless the cell is new to the cache.
 */
final class DestinationMetrics {
  /** Where calls to destinations beyond the cell limit are counted. */
  static final String OTHER = "_other";

  private record Key(String destination, long minute) {}

  /** One destination's minute as sent: the {@code destination_metrics} element of a payload. */
  record Aggregate(String destination, long minute, StripedTimings.Totals totals) {
    void write(Json j) {
      j.beginObject().field("destination", destination);
      totals.writeFields(j, minute);
      j.endObject();
    }
  }

  private record Recent(String destination, long minute, StripedTimings timings) {}

  private static final int RECENT = 32;

  private final Map<Key, StripedTimings> cells = new ConcurrentHashMap<>();
  // Immutable entries, so racing writers just replace each other (as in TransactionMetrics).
  private final Recent[] recent = new Recent[RECENT];
  private final int maxCells;
  private final AtomicLong folded = new AtomicLong();

  DestinationMetrics(int maxCells) {
    if (maxCells < 1) {
      throw new IllegalArgumentException("maxCells must be positive: " + maxCells);
    }
    this.maxCells = maxCells;
  }

  /**
   * Counts one ended exit span.
   *
   * @param startMillis when it started (epoch milliseconds): its minute
   */
  void record(String destination, long startMillis, double durationMs, boolean failed) {
    long minute = Math.floorDiv(startMillis, 60_000L);
    int slot = (destination.hashCode() ^ (int) minute) & (RECENT - 1);
    Recent last = recent[slot];
    StripedTimings timings =
        last != null && last.minute == minute && last.destination.equals(destination)
            ? last.timings
            : null;
    while (true) {
      if (timings == null) {
        Key key = new Key(destination, minute);
        timings = cells.get(key);
        if (timings == null) {
          if (cells.size() >= maxCells && !OTHER.equals(destination)) {
            folded.incrementAndGet();
            record(OTHER, startMillis, durationMs, failed);
            return;
          }
          timings = cells.computeIfAbsent(key, k -> new StripedTimings());
        }
        recent[slot] = new Recent(destination, minute, timings);
      }
      if (timings.add(durationMs, failed)) {
        return;
      }
      // Drained and being removed: a fresh cell takes it once the old one is gone.
      Thread.onSpinWait();
      timings = null;
    }
  }

  /**
   * Takes every cell's counts since the last drain (resetting them) and forgets the cells of
   * minutes before {@code currentMinute - 1}: a span still counting into one of those takes a new
   * cell, drained next time, so nothing is lost or counted twice.
   */
  List<Aggregate> drain(long nowMillis) {
    long keepFrom = Math.floorDiv(nowMillis, 60_000L) - 1;
    List<Aggregate> out = new ArrayList<>();
    for (Map.Entry<Key, StripedTimings> cell : cells.entrySet()) {
      Key key = cell.getKey();
      boolean old = key.minute() < keepFrom;
      StripedTimings.Totals totals = cell.getValue().drain(old);
      if (old) {
        cells.remove(key, cell.getValue());
      }
      if (totals != null) {
        out.add(new Aggregate(key.destination(), key.minute(), totals));
      }
    }
    return out;
  }

  /** Spans counted under {@value #OTHER} because the cells were full. */
  long folded() {
    return folded.get();
  }

  int cells() {
    return cells.size();
  }
}
