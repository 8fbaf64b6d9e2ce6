package io.upbeat.processor.consume;

import io.upbeat.events.EventBatch;
import org.apache.kafka.common.header.Headers;

/**
 * One partition's effects not yet written: what a pipeline accumulates between flushes and writes
 * together with the offset it reaches.
 */
public interface PartitionWork {
  /**
   * Whether a record with these headers has nothing for this work, so that it is passed over
   * undecoded (counted as skipped, never added); false by default.
   */
  default boolean passesOver(Headers headers) {
    return false;
  }

  /** Adds a batch read from the topic: counted in the activity metrics, charged to budgets. */
  void add(EventBatch batch);

  /**
   * Adds again a batch that {@code origin} (this partition's work, possibly this one) added before,
   * to rebuild a work or make a bisection's range: with the outcome it had there (a sample kept
   * within the budget then is kept, one dropped is dropped), counting no activity and charging no
   * budget again.
   */
  default void replay(EventBatch batch, PartitionWork origin) {
    add(batch);
  }

  /**
   * Empties the work to {@linkplain #replay replay} its records into it again: unlike {@link
   * #clear}, keeps what replaying needs.
   */
  default void rewind() {
    clear();
  }

  /** Empties the work: what it held is committed. */
  void clear();
}
