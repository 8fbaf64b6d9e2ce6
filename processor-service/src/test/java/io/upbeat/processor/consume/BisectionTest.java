package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.ServiceInfo;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Bisection against a fake store that refuses, as PostgreSQL does, any commit holding a poisoned
 * app's batch: exactly the poisoned records are dead-lettered, every other is written once, the
 * offset ends where the partition was read to, and a transient fault or a dead letter that is not
 * durable stops it without skipping anything.
 */
class BisectionTest {
  private static final String TOPIC = "events";
  private static final int PARTITION = 3;

  private final FakeStore store = new FakeStore();
  private final List<Long> deadLettered = new ArrayList<>();
  private boolean deadLettersFail;
  private final Bisection<Recorded> bisection =
      new Bisection<>(
          TOPIC,
          store,
          Recorded::new,
          EventBatchCodec.Parts.ALL,
          (r, fault) -> {
            if (deadLettersFail) {
              throw new DeadLetters.NotDurableException(
                  "events-3@" + r.offset(), new RuntimeException("broker down"));
            }
            assertThat(Fault.sqlState(fault)).isEqualTo("22021");
            deadLettered.add(r.offset());
          });

  @Test
  void deadLettersThePoisonedRecordAndWritesTheRestOnce() throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = records(100, 64, Set.of(137L));
    store.offset = 100L;
    long[] reached = {-1};

    int dead =
        bisection.commit(PARTITION, 100, records, 170, new Recorded(), next -> reached[0] = next);

    assertThat(dead).isOne();
    assertThat(deadLettered).containsExactly(137L);
    assertThat(store.written).hasSize(63).doesNotContain(137L).doesNotHaveDuplicates();
    assertThat(store.offset).isEqualTo(170L); // past the records and the gap after them
    assertThat(reached[0]).isEqualTo(170L);
    assertThat(store.commits).isLessThanOrEqualTo(2 * 7 + 1); // about 2 log2(n)
  }

  @Test
  void aTransientFaultStopsItAndTheRestIsCommittedOnTheNextAttempt() throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = records(0, 16, Set.of(12L));
    store.offset = 0L;
    store.transientAfterCommits = 2; // the first half goes in, then PostgreSQL is down
    long[] reached = {0};

    assertThatThrownBy(
            () -> bisection.commit(PARTITION, 0, records, 16, new Recorded(), n -> reached[0] = n))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("08006");
    assertThat(reached[0]).isEqualTo(8L).isEqualTo(store.offset);

    store.transientAfterCommits = Integer.MAX_VALUE;
    List<ConsumerRecord<byte[], byte[]>> rest =
        records.stream().filter(r -> r.offset() >= reached[0]).toList();
    bisection.commit(PARTITION, reached[0], rest, 16, new Recorded(), n -> reached[0] = n);

    assertThat(deadLettered).containsExactly(12L);
    assertThat(store.written).hasSize(15).doesNotContain(12L).doesNotHaveDuplicates();
    assertThat(store.offset).isEqualTo(16L);
  }

  @Test
  void neverMovesPastARecordWhoseDeadLetterIsNotDurable() {
    List<ConsumerRecord<byte[], byte[]>> records = records(0, 8, Set.of(5L));
    store.offset = 0L;
    deadLettersFail = true;

    assertThatThrownBy(() -> bisection.commit(PARTITION, 0, records, 8, new Recorded(), n -> {}))
        .isInstanceOf(DeadLetters.NotDurableException.class);
    assertThat(store.offset).isEqualTo(5L); // the records before it, not it
    assertThat(store.written).containsExactly(0L, 1L, 2L, 3L, 4L);
  }

  @Test
  void aFencedPartitionIsNotWritten() {
    List<ConsumerRecord<byte[], byte[]>> records = records(0, 4, Set.of(1L));
    store.offset = 2L; // another processor moved it

    assertThatThrownBy(() -> bisection.commit(PARTITION, 0, records, 4, new Recorded(), n -> {}))
        .isInstanceOf(OffsetLedger.FencedException.class);
    assertThat(store.written).isEmpty();
    assertThat(deadLettered).isEmpty();
  }

  @Test
  void aDataFaultThatACommitWithoutRecordsHasTooDeadLettersNothing() {
    List<ConsumerRecord<byte[], byte[]>> records = records(0, 4, Set.of());
    store.offset = 0L;
    store.everythingFails = true; // e.g. a statement every commit runs is refused

    assertThatThrownBy(() -> bisection.commit(PARTITION, 0, records, 4, new Recorded(), n -> {}))
        .isInstanceOf(Bisection.SystemicFault.class)
        .cause()
        .isInstanceOf(SQLException.class);
    assertThat(deadLettered).isEmpty();
    assertThat(store.offset).isZero();
    assertThatThrownBy(() -> bisection.commit(PARTITION, 0, List.of(), 4, new Recorded(), n -> {}))
        .isInstanceOf(Bisection.SystemicFault.class);
  }

  @Test
  void aRetriedBisectionDoesNotSendTheSameDeadLetterAgain() throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records = records(0, 4, Set.of(2L));
    store.offset = 0L;
    store.transientEmptyAdvances = 1; // the dead letter is durable, the move past it fails
    long[] reached = {0};

    assertThatThrownBy(
            () -> bisection.commit(PARTITION, 0, records, 4, new Recorded(), n -> reached[0] = n))
        .isInstanceOf(SQLException.class);
    assertThat(deadLettered).containsExactly(2L);
    assertThat(reached[0]).isEqualTo(2L).isEqualTo(store.offset);

    List<ConsumerRecord<byte[], byte[]>> rest =
        records.stream().filter(r -> r.offset() >= reached[0]).toList();
    int dead =
        bisection.commit(PARTITION, reached[0], rest, 4, new Recorded(), n -> reached[0] = n);

    assertThat(dead).isZero();
    assertThat(deadLettered).containsExactly(2L);
    assertThat(store.written).containsExactly(0L, 1L, 3L);
    assertThat(store.offset).isEqualTo(4L);
  }

  @Property(tries = 200)
  void isolatesExactlyThePoisonedRecords(
      @ForAll @IntRange(min = 1, max = 40) int count,
      @ForAll @Size(max = 6) Set<@IntRange(min = 0, max = 39) Integer> poisoned)
      throws Exception {
    FakeStore fake = new FakeStore();
    fake.offset = 10L;
    List<Long> dead = new ArrayList<>();
    Bisection<Recorded> b =
        new Bisection<>(
            TOPIC, fake, Recorded::new, EventBatchCodec.Parts.ALL, (r, f) -> dead.add(r.offset()));
    Set<Long> poison = new HashSet<>();
    poisoned.stream().filter(i -> i < count).forEach(i -> poison.add(10L + 2 * i));
    // Every other offset, as with transaction markers between records.
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long offset = 10L + 2 * i;
      records.add(record(offset, poison.contains(offset)));
    }
    long end = 10L + 2 * count;

    b.commit(PARTITION, 10, records, end, new Recorded(), n -> {});

    assertThat(dead).containsExactlyInAnyOrderElementsOf(poison);
    assertThat(fake.written).hasSize(count - poison.size()).doesNotHaveDuplicates();
    assertThat(fake.written).noneMatch(poison::contains);
    assertThat(fake.offset).isEqualTo(end);
  }

  private static final UUID POISON = UUID.fromString("00000000-0000-0000-0000-00000000dead");

  private static List<ConsumerRecord<byte[], byte[]>> records(long from, int n, Set<Long> poison) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (long o = from; o < from + n; o++) {
      records.add(record(o, poison.contains(o)));
    }
    return records;
  }

  /** A batch whose app id carries its offset (or the poison). */
  private static ConsumerRecord<byte[], byte[]> record(long offset, boolean poisoned) {
    UUID app = poisoned ? POISON : new UUID(0, offset);
    EventBatch batch =
        new EventBatch(
            UUID.randomUUID(),
            app,
            Instant.EPOCH,
            new ServiceInfo("shop", null, null, null, null, null, null),
            List.of(),
            List.of());
    return new ConsumerRecord<>(
        TOPIC, PARTITION, offset, new byte[0], EventBatchCodec.encode(batch));
  }

  /** A partition's work: the apps of its batches. */
  static final class Recorded implements PartitionWork {
    final List<UUID> apps = new ArrayList<>();

    @Override
    public void add(EventBatch batch) {
      apps.add(batch.appId());
    }

    @Override
    public void clear() {
      apps.clear();
    }
  }

  /** One partition's offset and effects, with PostgreSQL's all-or-nothing commits. */
  static final class FakeStore implements WorkStore<Recorded> {
    Long offset;
    final List<Long> written = new ArrayList<>();
    int commits;
    int transientAfterCommits = Integer.MAX_VALUE;
    boolean everythingFails;
    int transientEmptyAdvances;

    @Override
    public Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts) {
      return new HashMap<>(Map.of(PARTITION, offset));
    }

    @Override
    public int commit(String topic, List<Flush<Recorded>> flushes) throws SQLException {
      if (commits++ >= transientAfterCommits) {
        throw new SQLException("connection lost", "08006");
      }
      for (Flush<Recorded> f : flushes) {
        if (!f.startOffset().equals(offset)) {
          throw new OffsetLedger.FencedException(f.partition());
        }
        if (f.work().apps.isEmpty()
            && f.nextOffset() > f.startOffset()
            && transientEmptyAdvances > 0) {
          transientEmptyAdvances--;
          throw new SQLException("connection lost", "08006");
        }
        if (everythingFails || f.work().apps.contains(POISON)) {
          throw new SQLException("invalid byte sequence for encoding \"UTF8\": 0x00", "22021");
        }
      }
      for (Flush<Recorded> f : flushes) {
        f.work().apps.forEach(app -> written.add(app.getLeastSignificantBits()));
        offset = f.nextOffset();
      }
      return flushes.size();
    }
  }
}
