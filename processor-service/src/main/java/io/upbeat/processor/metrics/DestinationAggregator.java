package io.upbeat.processor.metrics;

import io.upbeat.events.DestinationMetric;
import io.upbeat.events.EventBatch;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Accumulates one partition's destination metrics (the service map's edges) since its last flush,
 * by app, environment, destination and minute. Each batch's metrics merge exactly as stored rows do
 * (their sketches from their bytes), so the rows hold every call once whichever agent or intake
 * instance counted it.
 */
public final class DestinationAggregator {
  /** What a destination row is keyed by, besides its source partition. */
  public record Key(UUID appId, String environment, String destination, Instant minute) {}

  private final Map<Key, DurationStats> pending = new HashMap<>();

  /**
   * Adds the batch's destination metrics whose minute is not before {@code oldestMinute}.
   *
   * @return how many calls were added (each metric adds its count)
   */
  public long add(EventBatch batch, Instant oldestMinute) {
    long added = 0;
    for (DestinationMetric m : batch.destinationMetrics()) {
      if (m.minute().isBefore(oldestMinute)) {
        continue;
      }
      pending
          .computeIfAbsent(
              new Key(batch.appId(), batch.service().environment(), m.destination(), m.minute()),
              k -> new DurationStats())
          .mergeStored(m.count(), m.sumMs(), m.minMs(), m.maxMs(), m.failures(), m.sketch());
      added += m.count();
    }
    return added;
  }

  public Map<Key, DurationStats> pending() {
    return pending;
  }

  public void clear() {
    pending.clear();
  }
}
