package io.upbeat.processor.consume;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where a pipeline writes: its effects and its offsets, atomically, with the offsets fenced so a
 * processor that lost a partition cannot write twice (see {@link OffsetLedger}).
 */
public interface WorkStore<W extends PartitionWork> {
  /** One partition's contribution to a commit. */
  record Flush<W>(int partition, Long startOffset, long nextOffset, W work) {}

  /** The stored next offset of each partition that has one. */
  Map<Integer, Long> offsets(String topic, Collection<Integer> partitions) throws SQLException;

  /**
   * Writes every partition's work and moves its offset, in one transaction.
   *
   * @return the rows of effects written (minute rows, error groups), for the pipeline's metrics
   * @throws OffsetLedger.FencedException if a partition's stored offset is not its start offset
   */
  int commit(String topic, List<Flush<W>> flushes) throws SQLException;

  /** Called once a day before writing, e.g. to create the day's table partitions. */
  default void prepare(LocalDate today) throws SQLException {}
}
