package io.upbeat.intake.destinations;

import io.upbeat.events.DestinationMetric;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts one request's exit spans (spans with a destination: outgoing calls, database queries) per
 * destination and minute of the span's start, into the {@link DestinationMetric}s that intake adds
 * to the request's batch: the service map's edges, counted at the caller whatever share of the
 * traces is kept. Every receiver feeds it the exit spans of the transactions it counts (and of
 * OpenTelemetry's orphan spans), never those of an aggregating agent's samples, which that agent
 * counted itself in its own {@code destination_metrics}.
 *
 * <p>Intake's hot path: a span costs a map lookup by its destination (whose hash the string caches)
 * and a scan of that destination's minutes, almost always one; only a new (destination, minute)
 * allocates. Not thread-safe: one instance per request (and service).
 */
public final class ExitSpans {
  /** One destination's minutes, in the order first seen (a request spans one or two minutes). */
  private static final class Minutes {
    long[] starts = new long[2];
    DurationStats[] stats = new DurationStats[2];
    int size;

    DurationStats of(long minuteSecond) {
      for (int i = 0; i < size; i++) {
        if (starts[i] == minuteSecond) {
          return stats[i];
        }
      }
      if (size == starts.length) {
        starts = java.util.Arrays.copyOf(starts, size * 2);
        stats = java.util.Arrays.copyOf(stats, size * 2);
      }
      starts[size] = minuteSecond;
      stats[size] = new DurationStats();
      return stats[size++];
    }
  }

  private final Map<String, Minutes> byDestination = new HashMap<>();

  /**
   * Counts an exit span that started {@code startEpochMillis} (milliseconds since the epoch, UTC).
   *
   * @param destination the span's destination; null (not an exit span) counts nothing
   * @param outcome {@code failure} counts it as failed
   */
  public void add(String destination, long startEpochMillis, double durationMs, String outcome) {
    if (destination == null) {
      return;
    }
    long minuteSecond = Math.floorDiv(startEpochMillis, 60_000L) * 60;
    Minutes minutes = byDestination.get(destination);
    if (minutes == null) {
      minutes = new Minutes();
      byDestination.put(destination, minutes);
    }
    minutes.of(minuteSecond).add(durationMs, "failure".equals(outcome));
  }

  public boolean isEmpty() {
    return byDestination.isEmpty();
  }

  /** The counted spans, one metric per destination and minute. */
  public List<DestinationMetric> metrics() {
    List<DestinationMetric> out = new ArrayList<>();
    for (Map.Entry<String, Minutes> e : byDestination.entrySet()) {
      Minutes m = e.getValue();
      for (int i = 0; i < m.size; i++) {
        DurationStats s = m.stats[i];
        out.add(
            new DestinationMetric(
                e.getKey(),
                Instant.ofEpochSecond(m.starts[i]),
                s.count(),
                s.failures(),
                s.sum(),
                s.min(),
                s.max(),
                s.sketch().toBytes()));
      }
    }
    return out;
  }

  /** {@code sent} (an agent's own metrics) followed by the counted spans' metrics. */
  public List<DestinationMetric> after(List<DestinationMetric> sent) {
    if (isEmpty()) {
      return sent;
    }
    List<DestinationMetric> all = new ArrayList<>(sent);
    all.addAll(metrics());
    return all;
  }
}
