package io.upbeat.processor.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.OrphanSpan;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.consume.PartitionWork;
import io.upbeat.processor.tail.TraceDecisions;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One partition's sampled transactions since the last flush.
 *
 * <ul>
 *   <li>A sample with a trace id is part of a trace whose keep-in-full decision was made once for
 *       the whole trace (at its root by agent-java, by the trace id at intake for other agents), so
 *       it is kept whatever its name: dropping some would break traces whose other parts other
 *       partitions and processors keep. Only a safety cap bounds them, {@code maxPerAppMinute} per
 *       app and minute (per partition); beyond it they are counted ({@code result="over_cap"}) and
 *       dropped.
 *   <li>A sample without one is kept up to {@code perMinute} per app, environment, type, name and
 *       minute; beyond that it is counted ({@code result="over_budget"}) and dropped.
 * </ul>
 *
 * Both budgets outlive flushes (they are per minute, not per flush) and forget minutes two minutes
 * behind the newest seen, so their memory stays bounded by the names and apps of about three
 * minutes.
 *
 * <p>A kept sample of a trace that failed or was slow makes its trace interesting: it is recorded
 * for the tail decision ({@link TraceDecisions}), in the same commit as the sample.
 */
public final class SampleWork implements PartitionWork {
  /** A sampled transaction and where it came from. */
  record Sample(
      UUID sampleId, UUID appId, String environment, String serviceVersion, TransactionEvent t) {}

  private record Slot(UUID app, String environment, String type, String name, Instant minute) {}

  private record AppMinute(UUID app, Instant minute) {}

  /** The safety cap on samples of traces per app and minute when none is configured. */
  public static final int DEFAULT_MAX_PER_APP_MINUTE = 10_000;

  /** Spans waiting for the sample of one transaction. */
  record Orphans(UUID app, String traceId, String transactionId, List<OrphanSpan> spans) {}

  /** Orphan spans kept per partition and flush at most; the rest are counted and dropped. */
  static final int MAX_ORPHANS_PER_FLUSH = 10_000;

  private final int perMinute;
  private final int maxPerAppMinute;
  private final Clock clock;
  private final int retentionDays;
  private final Counters counters;
  private final List<Sample> pending = new ArrayList<>();
  private final Map<List<Object>, Orphans> orphans = new java.util.LinkedHashMap<>();
  private int orphanCount;
  private final Map<Slot, Integer> taken = new HashMap<>();
  private final Map<AppMinute, Integer> traced = new HashMap<>();
  // The samples kept since the last clear: what a replay of their batches keeps.
  private final Set<UUID> admitted = new HashSet<>();
  private final TraceDecisions traces;
  private Instant newestMinute = Instant.EPOCH;

  private SampleWork(
      int perMinute,
      int maxPerAppMinute,
      Clock clock,
      int retentionDays,
      Counters counters,
      TraceDecisions.Policy tail) {
    this.perMinute = perMinute;
    this.maxPerAppMinute = maxPerAppMinute;
    this.clock = clock;
    this.retentionDays = retentionDays;
    this.counters = counters;
    this.traces = new TraceDecisions(tail);
  }

  private record Counters(
      Counter kept,
      Counter dropped,
      Counter overCap,
      Counter expired,
      Counter orphans,
      Counter orphansDropped) {}

  /** As {@link #factory(int, int, Clock, int, MeterRegistry)} with the default safety cap. */
  public static Supplier<SampleWork> factory(
      int perMinute, Clock clock, int retentionDays, MeterRegistry meters) {
    return factory(perMinute, DEFAULT_MAX_PER_APP_MINUTE, clock, retentionDays, meters);
  }

  /**
   * @param perMinute samples without a trace id kept per app, environment, type, name and minute
   *     (per partition)
   * @param maxPerAppMinute samples with a trace id kept per app and minute at most (per partition)
   * @param retentionDays days of samples kept: older ones have no table partition to go to
   */
  public static Supplier<SampleWork> factory(
      int perMinute, int maxPerAppMinute, Clock clock, int retentionDays, MeterRegistry meters) {
    return factory(
        perMinute, maxPerAppMinute, clock, retentionDays, meters, TraceDecisions.Policy.NONE);
  }

  /**
   * As {@link #factory(int, int, Clock, int, MeterRegistry)}, also recording the traces of failed
   * or slow samples for the tail decision.
   *
   * @param tail how traces are recorded (budget, slow threshold)
   */
  public static Supplier<SampleWork> factory(
      int perMinute,
      int maxPerAppMinute,
      Clock clock,
      int retentionDays,
      MeterRegistry meters,
      TraceDecisions.Policy tail) {
    if (maxPerAppMinute < 0) {
      throw new IllegalArgumentException(
          "samples per app and minute must not be negative: " + maxPerAppMinute);
    }
    Counters counters =
        new Counters(
            meters.counter("upbeat.processor.samples", "result", "kept"),
            meters.counter("upbeat.processor.samples", "result", "over_budget"),
            meters.counter("upbeat.processor.samples", "result", "over_cap"),
            meters.counter("upbeat.processor.samples", "result", "expired"),
            meters.counter("upbeat.processor.orphan.spans", "result", "kept"),
            meters.counter("upbeat.processor.orphan.spans", "result", "over_budget"));
    return () -> new SampleWork(perMinute, maxPerAppMinute, clock, retentionDays, counters, tail);
  }

  @Override
  public void add(EventBatch batch) {
    addOrphans(batch, true);
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
        traced.keySet().removeIf(s -> s.minute().isBefore(forgetBefore));
      }
      if (t.traceId() != null) {
        int n = traced.merge(new AppMinute(batch.appId(), minute), 1, Integer::sum);
        if (n > maxPerAppMinute) {
          counters.overCap().increment();
          continue;
        }
      } else {
        Slot slot =
            new Slot(batch.appId(), batch.service().environment(), t.type(), t.name(), minute);
        int n = taken.merge(slot, 1, Integer::sum);
        if (n > perMinute) {
          counters.dropped().increment();
          continue;
        }
      }
      counters.kept().increment();
      UUID id = sampleId(batch.batchId(), i);
      admitted.add(id);
      pending.add(sample(batch, id, t));
      TraceDecisions.Reason reason = interesting(t);
      if (reason != null) {
        traces.offer(batch.appId(), t.traceId(), reason);
      }
    }
  }

  /** Why {@code t}'s trace is kept by the tail decision, or null (none, or not of a trace). */
  private TraceDecisions.Reason interesting(TransactionEvent t) {
    return t.traceId() == null ? null : traces.policy().reasonOf(t);
  }

  /**
   * Keeps the batch's samples that {@code origin} kept, not charging the budget nor counting them
   * again (a rebuild, a bisection's range).
   */
  @Override
  public void replay(EventBatch batch, PartitionWork origin) {
    Set<UUID> kept = ((SampleWork) origin).admitted;
    addOrphans(batch, false);
    List<TransactionEvent> samples = batch.samples();
    for (int i = 0; i < samples.size(); i++) {
      UUID id = sampleId(batch.batchId(), i);
      if (kept.contains(id)) {
        TransactionEvent t = samples.get(i);
        pending.add(sample(batch, id, t));
        TraceDecisions.Reason reason = interesting(t);
        if (reason != null) {
          traces.replay(batch.appId(), t.traceId(), reason, ((SampleWork) origin).traces);
        }
      }
    }
  }

  private static Sample sample(EventBatch batch, UUID id, TransactionEvent t) {
    return new Sample(
        id, batch.appId(), batch.service().environment(), batch.service().version(), t);
  }

  private void addOrphans(EventBatch batch, boolean count) {
    for (OrphanSpan o : batch.orphanSpans()) {
      if (orphanCount >= MAX_ORPHANS_PER_FLUSH) {
        if (count) {
          counters.orphansDropped().increment();
        }
        continue;
      }
      orphanCount++;
      if (count) {
        counters.orphans().increment();
      }
      orphans
          .computeIfAbsent(
              List.of(batch.appId(), o.traceId(), o.transactionId()),
              k -> new Orphans(batch.appId(), o.traceId(), o.transactionId(), new ArrayList<>()))
          .spans()
          .add(o);
    }
  }

  Collection<Orphans> orphans() {
    return orphans.values();
  }

  /** The same sample of the same batch always gets the same id, so a replay cannot duplicate it. */
  public static UUID sampleId(UUID batchId, int index) {
    ByteBuffer bytes = ByteBuffer.allocate(20);
    bytes.putLong(batchId.getMostSignificantBits());
    bytes.putLong(batchId.getLeastSignificantBits());
    bytes.putInt(index);
    return UUID.nameUUIDFromBytes(bytes.array());
  }

  List<Sample> pending() {
    return pending;
  }

  /** The traces these samples make interesting, written with them. */
  TraceDecisions traces() {
    return traces;
  }

  /** Empties the work to replay it: the budget and the samples kept stay as they are. */
  @Override
  public void rewind() {
    pending.clear();
    orphans.clear();
    orphanCount = 0;
    traces.rewind();
  }

  @Override
  public void clear() {
    rewind();
    admitted.clear();
    traces.clear();
  }
}
