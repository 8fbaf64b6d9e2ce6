package io.upbeat.processor.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.TraceKeys;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.consume.PartitionWork;
import io.upbeat.processor.samples.SampleWork;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One partition's transactions to keep since the last flush: those of the traces recorded in {@code
 * tail_traces} ({@link RecordedTraces}, read without spans or context, {@link
 * io.upbeat.events.EventBatchCodec.Parts#TRACE_LINKS}) that their batch does not keep in full
 * already. Every other transaction is passed over as it is read, so the work holds only what will
 * be stored. Nothing is charged here (the cap is counted from the table when storing, {@link
 * TailStore}); a replay considers the same transactions, or more if traces were recorded since.
 *
 * <p>A transaction is kept in full already when the same batch holds it among its samples: its
 * trace was kept by its hash, by an agent at its root, or it failed or was slow (intake sends those
 * in full). The samples pipeline stores those, with their spans.
 */
public final class TailWork implements PartitionWork {
  /** A transaction that the tail decision may keep, and where it came from. */
  record Candidate(
      UUID sampleId, UUID appId, String environment, String serviceVersion, TransactionEvent t) {}

  /** What a counted transaction and its sample share: how one is found among the other. */
  private record Identity(
      String traceId, String id, String name, Instant timestamp, double durationMs) {
    static Identity of(TransactionEvent t) {
      return new Identity(t.traceId(), t.id(), t.name(), t.timestamp(), t.durationMs());
    }
  }

  private final Clock clock;
  private final int retentionDays;
  private final RecordedTraces recorded;
  private final Counter expired;
  private final List<Candidate> candidates = new ArrayList<>();

  private TailWork(Clock clock, int retentionDays, RecordedTraces recorded, Counter expired) {
    this.clock = clock;
    this.retentionDays = retentionDays;
    this.recorded = recorded;
    this.expired = expired;
  }

  /**
   * @param retentionDays days of samples kept: older transactions have no table partition to go to
   * @param recorded the traces to keep, shared by the pipeline's partitions (one thread)
   */
  public static Supplier<TailWork> factory(
      Clock clock, int retentionDays, RecordedTraces recorded, MeterRegistry meters) {
    Counter expired = meters.counter("upbeat.processor.samples", "result", "tail_expired");
    return () -> new TailWork(clock, retentionDays, recorded, expired);
  }

  /**
   * A record whose {@link TraceKeys#HEADER} has no key of a marked trace holds no transaction to
   * keep: passed over undecoded. A record without the header is decoded.
   */
  @Override
  public boolean passesOver(Headers headers) {
    Header keys = headers.lastHeader(TraceKeys.HEADER);
    return keys != null && !TraceKeys.any(keys.value(), recorded::containsKey);
  }

  @Override
  public void add(EventBatch batch) {
    collect(batch, true);
  }

  /** As {@link #add}, counting nothing again. */
  @Override
  public void replay(EventBatch batch, PartitionWork origin) {
    collect(batch, false);
  }

  private void collect(EventBatch batch, boolean count) {
    List<TransactionEvent> transactions = batch.transactions();
    Set<Identity> keptInFull = null;
    Instant oldest = null;
    for (int i = 0; i < transactions.size(); i++) {
      TransactionEvent t = transactions.get(i);
      if (t.traceId() == null || !recorded.contains(t.traceId())) {
        continue;
      }
      if (keptInFull == null) {
        keptInFull = new HashSet<>();
        for (TransactionEvent s : batch.samples()) {
          keptInFull.add(Identity.of(s));
        }
        oldest =
            LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
                .minusDays(retentionDays)
                .atStartOfDay()
                .toInstant(ZoneOffset.UTC);
      }
      if (keptInFull.contains(Identity.of(t))) {
        continue;
      }
      if (t.timestamp().isBefore(oldest)) {
        if (count) {
          expired.increment();
        }
        continue;
      }
      candidates.add(
          new Candidate(
              sampleId(batch.batchId(), i),
              batch.appId(),
              batch.service().environment(),
              batch.service().version(),
              t));
    }
  }

  /**
   * The same transaction of the same batch always gets the same id, so a replay cannot duplicate
   * it; derived from the id a sample at that place would get ({@link SampleWork#sampleId}), in a
   * namespace of its own so the two never meet.
   */
  static UUID sampleId(UUID batchId, int index) {
    return UUID.nameUUIDFromBytes(
        ("tail:" + SampleWork.sampleId(batchId, index)).getBytes(StandardCharsets.US_ASCII));
  }

  List<Candidate> candidates() {
    return candidates;
  }

  @Override
  public void clear() {
    candidates.clear();
  }
}
