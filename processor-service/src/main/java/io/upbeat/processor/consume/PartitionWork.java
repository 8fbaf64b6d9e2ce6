package io.upbeat.processor.consume;

import io.upbeat.events.EventBatch;

/**
 * One partition's effects not yet written: what a pipeline accumulates between flushes and writes
 * together with the offset it reaches.
 */
public interface PartitionWork {
  void add(EventBatch batch);

  void clear();
}
