package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which traces a record's trace-keys header names, and how a reader tests them. */
class TraceKeysTest {
  private static final Instant AT = Instant.parse("2026-12-05T12:00:00Z");

  @Test
  void namesEachTraceCountedButNotKeptInFullOnce() {
    TransactionEvent a1 = txn("trace-a", "1");
    TransactionEvent a2 = txn("trace-a", "2");
    TransactionEvent kept = txn("trace-b", "3");
    TransactionEvent noTrace = txn(null, "4");
    TransactionEvent c = txn("trace-c", "5");
    EventBatch batch = batch(List.of(a1, a2, kept.withoutDetails(), noTrace, c), List.of(kept));

    byte[] header = TraceKeys.encode(batch);

    assertThat(keys(header))
        .containsExactlyInAnyOrder(TraceKeys.of("trace-a"), TraceKeys.of("trace-c"));
    assertThat(EventBatchCodec.encodeRecord(batch).traceKeys()).isEqualTo(header);
    assertThat(TraceKeys.any(header, k -> k == TraceKeys.of("trace-c"))).isTrue();
    assertThat(TraceKeys.any(header, k -> k == TraceKeys.of("trace-b"))).isFalse();
  }

  @Test
  void aSampleOfAnotherTraceWithTheSameTransactionIdDoesNotHideATransaction() {
    TransactionEvent counted = txn("trace-a", "1");
    TransactionEvent sampleElsewhere = txn("trace-z", "1");
    byte[] header = TraceKeys.encode(batch(List.of(counted), List.of(sampleElsewhere)));
    assertThat(keys(header)).containsExactly(TraceKeys.of("trace-a"));
  }

  @Test
  void aBatchWithNothingToNameHasAnEmptyHeaderWhichMatchesNothing() {
    byte[] header = TraceKeys.encode(batch(List.of(txn(null, "1")), List.of()));
    assertThat(header).isEmpty();
    assertThat(TraceKeys.any(header, k -> true)).isFalse();
  }

  @Test
  void aHeaderThatIsNotWholeKeysIsNotTrusted() {
    assertThat(TraceKeys.any(new byte[] {1, 2, 3}, k -> false)).isTrue();
  }

  @Test
  void keysAreStableAndSpreadOverSimilarIds() {
    assertThat(TraceKeys.of("4bf92f3577b34da6a3ce929d0e0e4736"))
        .isEqualTo(TraceKeys.of("4bf92f3577b34da6a3ce929d0e0e4736"));
    Set<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      seen.add(TraceKeys.of("%032x".formatted(i)));
    }
    assertThat(seen).hasSize(100_000);
  }

  private static List<Long> keys(byte[] header) {
    List<Long> keys = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(header);
    while (in.hasRemaining()) {
      keys.add(in.getLong());
    }
    return keys;
  }

  private static EventBatch batch(List<TransactionEvent> txns, List<TransactionEvent> samples) {
    return new EventBatch(
        UUID.randomUUID(),
        UUID.randomUUID(),
        AT,
        new ServiceInfo("shop", "production", "1.0", null, null, null, null),
        txns,
        List.of(),
        samples,
        List.of());
  }

  private static TransactionEvent txn(String trace, String id) {
    return new TransactionEvent(
        id, trace, "GET /" + id, "request", AT, 12, null, "success", List.of(), null, null, null);
  }
}
