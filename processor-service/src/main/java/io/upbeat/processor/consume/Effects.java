package io.upbeat.processor.consume;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

/**
 * What a pipeline writes for its work: all a new pipeline supplies. {@link LedgerStore} runs it
 * inside the commit's transaction, between the fence and the offsets' advance.
 */
public interface Effects<W extends PartitionWork> {
  /**
   * Writes the flushes' work on {@code c}, inside the commit's transaction. It may be called again
   * with the same work (a retried or bisected commit), so it must not change the work.
   *
   * @return the rows written (minute rows, error groups, samples), for the pipeline's metrics
   */
  int write(Connection c, List<WorkStore.Flush<W>> flushes) throws SQLException;

  /** Called once a day before writing, e.g. to create the day's table partitions. */
  default void prepare(LocalDate today) throws SQLException {}
}
