package io.upbeat.processor.tail;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TraceKeys;
import io.upbeat.events.TransactionEvent;
import io.upbeat.processor.samples.SampleWork;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Which transactions of a batch the tail pipeline considers, and the ids their samples get. */
class TailWorkTest {
  private final Instant now = Instant.parse("2026-12-05T12:00:00Z");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
  private final List<Map.Entry<String, Instant>> table = new ArrayList<>();
  private final TailWork work =
      TailWork.factory(
              clock,
              7,
              new RecordedTraces(
                  from -> List.copyOf(table),
                  clock,
                  Duration.ZERO,
                  RecordedTraces.KEEP,
                  100,
                  meters),
              meters)
          .get();

  @Test
  void considersTheTransactionsOfRecordedTracesThatTheirBatchDoesNotKeepInFull() {
    table.add(Map.entry("t1", now.minusSeconds(2)));
    table.add(Map.entry("t2", now.minusSeconds(2)));
    TransactionEvent notRecorded = txn("t3", "e", now.minusSeconds(5));
    TransactionEvent counted = txn("t1", "a", now.minusSeconds(5));
    TransactionEvent kept = txn("t1", "b", now.minusSeconds(5));
    TransactionEvent noTrace = txn(null, "c", now.minusSeconds(5));
    TransactionEvent expired = txn("t2", "d", now.minus(Duration.ofDays(9)));
    UUID batchId = UUID.randomUUID();
    EventBatch batch =
        new EventBatch(
            batchId,
            UUID.randomUUID(),
            now,
            new ServiceInfo("shop", "staging", "1.2", null, null, null, null),
            List.of(counted, kept.withoutDetails(), noTrace, expired, notRecorded),
            List.of(),
            List.of(kept),
            List.of());
    work.add(batch);

    assertThat(work.candidates()).hasSize(1);
    TailWork.Candidate c = work.candidates().getFirst();
    assertThat(c.t()).isEqualTo(counted);
    assertThat(c.environment()).isEqualTo("staging");
    assertThat(c.serviceVersion()).isEqualTo("1.2");
    assertThat(c.sampleId()).isEqualTo(TailWork.sampleId(batchId, 0));
    assertThat(meters.counter("upbeat.processor.samples", "result", "tail_expired").count())
        .isEqualTo(1);

    // A replay considers the same, with the same ids, counting nothing again.
    work.clear();
    work.replay(batch, work);
    assertThat(work.candidates())
        .extracting(TailWork.Candidate::sampleId)
        .containsExactly(c.sampleId());
    assertThat(meters.counter("upbeat.processor.samples", "result", "tail_expired").count())
        .isEqualTo(1);
  }

  @Test
  void passesOverRecordsWhoseTraceKeysNameNoRecordedTrace() {
    table.add(Map.entry("t1", now.minusSeconds(2)));
    RecordHeaders marked = new RecordHeaders();
    marked.add(TraceKeys.HEADER, keys("t9", "t1"));
    RecordHeaders unmarked = new RecordHeaders();
    unmarked.add(TraceKeys.HEADER, keys("t9", "t8"));
    RecordHeaders empty = new RecordHeaders();
    empty.add(TraceKeys.HEADER, new byte[0]);

    assertThat(work.passesOver(marked)).isFalse();
    assertThat(work.passesOver(unmarked)).isTrue();
    assertThat(work.passesOver(empty)).isTrue();
    // Written before the header existed: decoded.
    assertThat(work.passesOver(new RecordHeaders())).isFalse();
  }

  private static byte[] keys(String... traces) {
    ByteBuffer out = ByteBuffer.allocate(traces.length * Long.BYTES);
    for (String t : traces) {
      out.putLong(TraceKeys.of(t));
    }
    return out.array();
  }

  @Test
  void tailSampleIdsAreStableAndNeverASampleId() {
    UUID batch = UUID.randomUUID();
    assertThat(TailWork.sampleId(batch, 3)).isEqualTo(TailWork.sampleId(batch, 3));
    assertThat(TailWork.sampleId(batch, 3))
        .isNotEqualTo(TailWork.sampleId(batch, 4))
        .isNotEqualTo(SampleWork.sampleId(batch, 3));
  }

  private static TransactionEvent txn(String trace, String id, Instant at) {
    return new TransactionEvent(
        id, trace, "GET /" + id, "request", at, 12, null, "success", List.of(), null, null, null);
  }
}
