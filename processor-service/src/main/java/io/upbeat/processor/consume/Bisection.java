package io.upbeat.processor.consume;

import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Commits one partition's records after a commit failed on a {@linkplain Fault#DATA data fault},
 * finding the records whose effects PostgreSQL refuses: the records are committed in ranges, in
 * offset order, each range in the usual commit shape (fence, effects, advance); a range that fails
 * on a data fault is split in halves, and a record that fails alone is dead-lettered and the offset
 * advanced past it with no effects. Every other record is written exactly once. With {@code n}
 * records and {@code k} poisoned ones this takes about {@code 2k log2(n)} commits; nothing of it
 * runs unless a commit failed.
 *
 * <p>Before a lone failing record is dead-lettered, a commit without any record's effects is tried
 * at the same offset: if it fails on a data fault too, no record is at fault (something every
 * commit does is refused) and {@link SystemicFault} is thrown, nothing dead-lettered. The offsets
 * dead-lettered are remembered until the partition is committed past them, so a bisection retried
 * after a transient fault does not send the same dead letter again.
 */
final class Bisection<W extends PartitionWork> {
  /** Where the poisoned records go; returns once the dead letter is durable. */
  @FunctionalInterface
  interface Sink {
    void deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable fault)
        throws DeadLetters.NotDurableException;
  }

  /** Told each offset committed, so a bisection cut short by a transient fault keeps its gains. */
  @FunctionalInterface
  interface Progress {
    void committed(long nextOffset);
  }

  /**
   * A commit without any record's effects failed on a data fault: the fault is not a record's (for
   * instance a statement every commit runs is refused), so it is retried as a transient fault is,
   * and nothing is dead-lettered.
   */
  static final class SystemicFault extends Exception {
    SystemicFault(int partition, Throwable cause) {
      super("partition " + partition + ": a commit without any record's effects fails too", cause);
    }
  }

  // Per partition, the offsets whose dead letters are durable and not yet committed past (kept
  // across rebalances: a partition assigned again may still need to move past them).
  private final Map<Integer, NavigableSet<Long>> deadLettered = new HashMap<>();
  private final String topic;
  private final WorkStore<W> store;
  private final Supplier<W> newWork;
  private final EventBatchCodec.Parts parts;
  private final Sink sink;
  private final Written written;

  /** Told each commit's rows and time, for the pipeline's metrics. */
  @FunctionalInterface
  interface Written {
    void committed(int rows, Duration took);
  }

  Bisection(
      String topic,
      WorkStore<W> store,
      Supplier<W> newWork,
      EventBatchCodec.Parts parts,
      Sink sink) {
    this(topic, store, newWork, parts, (rows, took) -> {}, sink);
  }

  Bisection(
      String topic,
      WorkStore<W> store,
      Supplier<W> newWork,
      EventBatchCodec.Parts parts,
      Written written,
      Sink sink) {
    this.written = written;
    this.topic = topic;
    this.store = store;
    this.newWork = newWork;
    this.parts = parts;
    this.sink = sink;
  }

  /**
   * Commits {@code records} (in offset order, those of the partition read since {@code committed})
   * and moves the offset to {@code end}.
   *
   * @param origin the partition's work of these records: each range's work replays their batches as
   *     it added them (see {@link PartitionWork#replay}).
   * @return how many records were dead-lettered
   * @throws SQLException a transient fault: what was committed so far was told to {@code progress}
   * @throws OffsetLedger.FencedException if another processor took the partition
   * @throws SystemicFault if a commit without any record's effects fails on a data fault
   */
  int commit(
      int partition,
      long committed,
      List<ConsumerRecord<byte[], byte[]>> records,
      long end,
      W origin,
      Progress progress)
      throws SQLException, DeadLetters.NotDurableException, SystemicFault {
    if (records.isEmpty()) {
      commitEmpty(partition, committed, end);
      committed(partition, end, progress);
      return 0;
    }
    int[] dead = {0};
    range(partition, committed, records, 0, records.size(), end, origin, progress, dead);
    return dead[0];
  }

  /**
   * Commits records [from, to), from offset {@code expected} to {@code end} (the offset of record
   * {@code to}, or the partition's end), and returns {@code end}.
   */
  private long range(
      int partition,
      long expected,
      List<ConsumerRecord<byte[], byte[]>> records,
      int from,
      int to,
      long end,
      W origin,
      Progress progress,
      int[] dead)
      throws SQLException, DeadLetters.NotDurableException, SystemicFault {
    try {
      store(flush(partition, expected, end, records, from, to, origin));
    } catch (SQLException | RuntimeException e) {
      if (e instanceof OffsetLedger.FencedException
          || e instanceof IdempotencyKeys.DuplicatesException
          || Fault.of(e) != Fault.DATA) {
        throw e;
      }
      if (to - from > 1) {
        int mid = (from + to) >>> 1;
        long reached =
            range(
                partition,
                expected,
                records,
                from,
                mid,
                records.get(mid).offset(),
                origin,
                progress,
                dead);
        return range(partition, reached, records, mid, to, end, origin, progress, dead);
      }
      // Alone, this record's effects fail: its dead letter first (durable), then past it.
      ConsumerRecord<byte[], byte[]> record = records.get(from);
      NavigableSet<Long> sent = deadLettered.computeIfAbsent(partition, p -> new TreeSet<>());
      if (!sent.contains(record.offset())) {
        commitEmpty(partition, expected, expected); // unless no record is at fault
        sink.deadLetter(record, e);
        sent.add(record.offset());
        dead[0]++;
      }
      commitEmpty(partition, expected, end);
    }
    committed(partition, end, progress);
    return end;
  }

  /** A commit of no record's effects, from {@code expected} to {@code end}. */
  private void commitEmpty(int partition, long expected, long end)
      throws SQLException, SystemicFault {
    try {
      store(new WorkStore.Flush<>(partition, expected, end, newWork.get()));
    } catch (SQLException | RuntimeException e) {
      if (e instanceof OffsetLedger.FencedException || Fault.of(e) != Fault.DATA) {
        throw e;
      }
      throw new SystemicFault(partition, e);
    }
  }

  private void store(WorkStore.Flush<W> flush) throws SQLException {
    long start = System.nanoTime();
    int rows = store.commit(topic, List.of(flush));
    written.committed(rows, Duration.ofNanos(System.nanoTime() - start));
  }

  private void committed(int partition, long end, Progress progress) {
    passed(partition, end);
    progress.committed(end);
  }

  /** The partition is committed up to {@code next}: its dead letters before it are forgotten. */
  void passed(int partition, long next) {
    NavigableSet<Long> sent = deadLettered.get(partition);
    if (sent != null) {
      sent.headSet(next).clear();
      if (sent.isEmpty()) {
        deadLettered.remove(partition);
      }
    }
  }

  /**
   * The commit of records [from, to): a fresh work (the retained work may hold the poisoned
   * records), each batch replayed as {@code origin} added it, and the records' idempotency keys.
   */
  private WorkStore.Flush<W> flush(
      int partition,
      long expected,
      long end,
      List<ConsumerRecord<byte[], byte[]>> records,
      int from,
      int to,
      W origin) {
    W work = newWork.get();
    Set<IdempotencyKeys.Key> keys = new HashSet<>();
    for (int i = from; i < to; i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      EventBatch batch = EventPipeline.decode(r, parts);
      work.replay(batch, origin);
      IdempotencyKeys.Key key = IdempotencyKeys.of(r, batch);
      if (key != null) {
        keys.add(key);
      }
    }
    return new WorkStore.Flush<>(partition, expected, end, work, keys);
  }
}
