package io.upbeat.processor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.processor.consume.PartitionWork;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Supplier;

/**
 * One partition's transactions since the last flush, aggregated by minute, and its destination
 * metrics (the service map's edges), aggregated by destination and minute.
 */
public final class MetricsWork implements PartitionWork {
  private final MinuteAggregator aggregator;
  private final DestinationAggregator destinations = new DestinationAggregator();
  private final Clock clock;
  private final int retentionDays;
  private final Counters counters;

  private MetricsWork(NameLimiter names, Clock clock, int retentionDays, Counters counters) {
    this.aggregator = new MinuteAggregator(names);
    this.clock = clock;
    this.retentionDays = retentionDays;
    this.counters = counters;
  }

  /** Makes the work of each partition; the guard and the counters are shared by all. */
  public static Supplier<MetricsWork> factory(
      NameLimiter names, Clock clock, int retentionDays, MeterRegistry meters) {
    Counters counters =
        new Counters(
            meters.counter("upbeat.processor.transactions"),
            meters.counter("upbeat.processor.transactions.expired"),
            meters.counter("upbeat.processor.transactions.folded"),
            meters.counter("upbeat.processor.destination.calls"));
    return () -> new MetricsWork(names, clock, retentionDays, counters);
  }

  private record Counters(
      Counter transactions, Counter expired, Counter folded, Counter destinationCalls) {}

  @Override
  public void add(EventBatch batch) {
    long foldedBefore = aggregator.folded();
    long added = aggregator.add(batch, oldest());
    counters.folded().increment(aggregator.folded() - foldedBefore);
    counters.transactions().increment(added);
    counters.expired().increment(batch.transactionCount() - added);
    counters.destinationCalls().increment(destinations.add(batch, oldest()));
  }

  /** As {@link #add}, counted once already. */
  @Override
  public void replay(EventBatch batch, PartitionWork origin) {
    aggregator.add(batch, oldest());
    destinations.add(batch, oldest());
  }

  /** Minutes older than the retention have no table partition to go to: dropped, counted. */
  private Instant oldest() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
        .minusDays(retentionDays)
        .atStartOfDay()
        .toInstant(ZoneOffset.UTC);
  }

  public MinuteAggregator aggregator() {
    return aggregator;
  }

  public DestinationAggregator destinations() {
    return destinations;
  }

  @Override
  public void clear() {
    aggregator.clear();
    destinations.clear();
  }
}
