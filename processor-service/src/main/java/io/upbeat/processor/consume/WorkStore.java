package io.upbeat.processor.consume;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a pipeline writes: its effects and its offsets, atomically, with the offsets fenced so a
 * processor that lost a partition cannot write twice (see {@link OffsetLedger}).
 */
public interface WorkStore<W extends PartitionWork> {
  /**
   * One partition's contribution to a commit: its work, and the idempotency keys of the records
   * behind it, claimed in the same transaction (see {@link IdempotencyKeys}).
   */
  record Flush<W>(
      int partition, Long startOffset, long nextOffset, W work, Set<IdempotencyKeys.Key> keys) {
    public Flush {
      keys = Set.copyOf(keys);
    }

    /** A flush of records carrying no idempotency key. */
    public Flush(int partition, Long startOffset, long nextOffset, W work) {
      this(partition, startOffset, nextOffset, work, Set.of());
    }
  }

  /**
   * Makes sure each partition has a stored offset before its first effects (the given log start
   * offset for a partition never seen), so that even a partition's first commit is fenced.
   *
   * @param logStarts each partition's log start offset
   * @return each partition's stored next offset
   */
  Map<Integer, Long> claim(String topic, Map<Integer, Long> logStarts) throws SQLException;

  /**
   * Writes every partition's work and moves its offset, in one transaction.
   *
   * @return the rows of effects written (minute rows, error groups), for the pipeline's metrics
   * @throws OffsetLedger.FencedException if a partition's stored offset is not its start offset
   * @throws IdempotencyKeys.DuplicatesException if a flush's key was committed already: nothing is
   *     written
   */
  int commit(String topic, List<Flush<W>> flushes) throws SQLException;

  /**
   * The partition a commit of {@code flushes} writes its per-partition rows under ({@code
   * source_partition} of the minute and hour tables): the lowest of its partitions. The commit
   * fences every one of them before its effects ({@link OffsetLedger#commit}), and processors hold
   * disjoint partitions, so no two processors write one such row at once, and one that lost the
   * partition is fenced before it reads the row. One row per key and commit rather than per key and
   * partition: with twelve partitions on one processor, a flush writes a twelfth of the rows.
   */
  static int writer(List<? extends Flush<?>> flushes) {
    return flushes.stream().mapToInt(Flush::partition).min().orElseThrow();
  }

  /** Called once a day before writing, e.g. to create the day's table partitions. */
  default void prepare(LocalDate today) throws SQLException {}
}
