package io.upbeat.processor.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.TraceKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The traces recorded in {@code tail_traces}, copied into memory, so that the tail pipeline keeps
 * only the transactions of those traces from what it reads instead of holding every transaction
 * until its flush to look them up there (at 100,000 transactions a second that held hundreds of
 * megabytes and filled the processor's heap).
 *
 * <p>Brought up to date at most every {@code refreshEvery}, on the pipeline's own thread, with the
 * rows decided since the latest one seen less an overlap, so a commit that was still in flight at
 * the last read (its {@code decided_at} is earlier than rows already seen) is read the next time. A
 * trace stays here as long as its row stays in the table ({@code keep}, the row retention's hour),
 * and at most {@code maxTraces} traces are held (the oldest leave first; counted in {@code
 * upbeat.processor.traces.tail{result="evicted"}}). A failed read keeps what is here and is retried
 * at the next refresh; a trace recorded after the last read is not seen until the next one, which
 * is the same as a window shorter by the refresh interval.
 *
 * <p>Used by one pipeline thread: not thread-safe.
 */
public final class RecordedTraces {
  private static final Logger log = LoggerFactory.getLogger(RecordedTraces.class);

  /**
   * How long a recorded trace matters: while the tail pipeline may still meet the trace's records,
   * a window (30 s) behind real time, plus its lag after an outage. The row retention deletes rows
   * older than this.
   */
  public static final Duration KEEP = Duration.ofHours(1);

  /** How far before the latest decision seen a refresh reads again. */
  static final Duration OVERLAP = Duration.ofMinutes(1);

  /** Reads the traces decided at or after a time. */
  @FunctionalInterface
  public interface Source {
    /** The traces decided at or after {@code from}, with their decision time. */
    List<Map.Entry<String, Instant>> decidedSince(Instant from) throws SQLException;
  }

  private final Source source;
  private final Clock clock;
  private final Duration refreshEvery;
  private final Duration keep;
  private final int maxTraces;
  private final Counter evicted;
  private final Counter refreshFailed;
  // Roughly in decision order (each read's rows are sorted by it): the oldest leave first.
  private final LinkedHashMap<String, Instant> traces = new LinkedHashMap<>();
  // The traces' keys (TraceKeys.of), with how many held traces share each.
  private final Map<Long, Integer> keys = new HashMap<>();
  private Instant latest;
  private Instant nextRefresh = Instant.MIN;

  public RecordedTraces(
      Source source,
      Clock clock,
      Duration refreshEvery,
      Duration keep,
      int maxTraces,
      MeterRegistry meters) {
    if (maxTraces < 1) {
      throw new IllegalArgumentException("max traces must be positive: " + maxTraces);
    }
    this.source = source;
    this.clock = clock;
    this.refreshEvery = refreshEvery;
    this.keep = keep;
    this.maxTraces = maxTraces;
    this.evicted = meters.counter("upbeat.processor.traces.tail", "result", "evicted");
    this.refreshFailed = meters.counter("upbeat.processor.traces.tail", "result", "refresh_failed");
    meters.gauge("upbeat.processor.traces.tail.recorded", traces, Map::size);
  }

  /** Reads {@code tail_traces} through {@code dataSource}. */
  public static Source table(DataSource dataSource) {
    return from -> {
      List<Map.Entry<String, Instant>> rows = new ArrayList<>();
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT trace_id, decided_at FROM tail_traces WHERE decided_at >= ?"
                      + " ORDER BY decided_at")) {
        ps.setTimestamp(1, Timestamp.from(from));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(Map.entry(rs.getString(1), rs.getTimestamp(2).toInstant()));
          }
        }
      }
      return rows;
    };
  }

  /** Whether {@code traceId} was recorded, as of the last refresh (made first when it is due). */
  public boolean contains(String traceId) {
    refreshIfDue();
    return traces.containsKey(traceId);
  }

  /**
   * Whether a recorded trace has the key {@code traceKey} ({@link TraceKeys#of}), as of the last
   * refresh (made first when it is due).
   */
  public boolean containsKey(long traceKey) {
    refreshIfDue();
    return keys.containsKey(traceKey);
  }

  int size() {
    return traces.size();
  }

  private void refreshIfDue() {
    Instant now = clock.instant();
    if (now.isBefore(nextRefresh)) {
      return;
    }
    nextRefresh = now.plus(refreshEvery);
    Instant oldest = now.minus(keep);
    Instant from = latest == null ? oldest : latest.minus(OVERLAP);
    List<Map.Entry<String, Instant>> rows;
    try {
      rows = source.decidedSince(from.isBefore(oldest) ? oldest : from);
    } catch (SQLException | RuntimeException e) {
      refreshFailed.increment();
      log.warn("Could not read the recorded traces (kept the last ones): {}", e.toString());
      return;
    }
    for (Map.Entry<String, Instant> row : rows) {
      if (traces.putIfAbsent(row.getKey(), row.getValue()) == null) {
        keys.merge(TraceKeys.of(row.getKey()), 1, Integer::sum);
      }
      if (latest == null || row.getValue().isAfter(latest)) {
        latest = row.getValue();
      }
    }
    Iterator<Map.Entry<String, Instant>> it = traces.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Instant> e = it.next();
      boolean expired = e.getValue().isBefore(oldest);
      if (!expired && traces.size() <= maxTraces) {
        break;
      }
      it.remove();
      keys.computeIfPresent(TraceKeys.of(e.getKey()), (k, n) -> n == 1 ? null : n - 1);
      if (!expired) {
        evicted.increment();
      }
    }
  }
}
