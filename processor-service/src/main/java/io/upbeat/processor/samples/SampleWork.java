package io.upbeat.processor.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.consume.PartitionWork;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One partition's sampled transactions since the last flush, at most {@code perMinute} per app,
 * environment, type, name and minute: what an agent sends beyond that is counted and dropped. The
 * budget outlives flushes (it is per minute, not per flush) and forgets minutes two minutes behind
 * the newest it has seen, so its memory stays bounded by the names of about three minutes.
 */
public final class SampleWork implements PartitionWork {
  /** A sampled transaction and where it came from. */
  record Sample(
      UUID sampleId, UUID appId, String environment, String serviceVersion, TransactionEvent t) {}

  private record Slot(UUID app, String environment, String type, String name, Instant minute) {}

  private final int perMinute;
  private final Clock clock;
  private final int retentionDays;
  private final Counters counters;
  private final List<Sample> pending = new ArrayList<>();
  private final Map<Slot, Integer> taken = new HashMap<>();
  private Instant newestMinute = Instant.EPOCH;

  private SampleWork(int perMinute, Clock clock, int retentionDays, Counters counters) {
    this.perMinute = perMinute;
    this.clock = clock;
    this.retentionDays = retentionDays;
    this.counters = counters;
  }

  private record Counters(Counter kept, Counter dropped, Counter expired) {}

  /**
   * @param perMinute samples kept per app, environment, type, name and minute (per partition)
   * @param retentionDays days of samples kept: older ones have no table partition to go to
   */
  public static Supplier<SampleWork> factory(
      int perMinute, Clock clock, int retentionDays, MeterRegistry meters) {
    Counters counters =
        new Counters(
            meters.counter("upbeat.processor.samples", "result", "kept"),
            meters.counter("upbeat.processor.samples", "result", "over_budget"),
            meters.counter("upbeat.processor.samples", "result", "expired"));
    return () -> new SampleWork(perMinute, clock, retentionDays, counters);
  }

  @Override
  public void add(EventBatch batch) {
    Instant oldest =
        LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
            .minusDays(retentionDays)
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC);
    List<TransactionEvent> samples = batch.samples();
    for (int i = 0; i < samples.size(); i++) {
      TransactionEvent t = samples.get(i);
      if (t.timestamp().isBefore(oldest)) {
        counters.expired().increment();
        continue;
      }
      Instant minute = t.timestamp().truncatedTo(ChronoUnit.MINUTES);
      if (minute.isAfter(newestMinute)) {
        newestMinute = minute;
        Instant forgetBefore = minute.minus(2, ChronoUnit.MINUTES);
        taken.keySet().removeIf(s -> s.minute().isBefore(forgetBefore));
      }
      Slot slot =
          new Slot(batch.appId(), batch.service().environment(), t.type(), t.name(), minute);
      int n = taken.merge(slot, 1, Integer::sum);
      if (n > perMinute) {
        counters.dropped().increment();
        continue;
      }
      counters.kept().increment();
      pending.add(
          new Sample(
              sampleId(batch.batchId(), i),
              batch.appId(),
              batch.service().environment(),
              batch.service().version(),
              t));
    }
  }

  /** The same sample of the same batch always gets the same id, so a replay cannot duplicate it. */
  static UUID sampleId(UUID batchId, int index) {
    ByteBuffer bytes = ByteBuffer.allocate(20);
    bytes.putLong(batchId.getMostSignificantBits());
    bytes.putLong(batchId.getLeastSignificantBits());
    bytes.putInt(index);
    return UUID.nameUUIDFromBytes(bytes.array());
  }

  List<Sample> pending() {
    return pending;
  }

  @Override
  public void clear() {
    pending.clear();
  }
}
