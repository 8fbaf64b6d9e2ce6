package io.upbeat.events;

import java.time.Instant;
import java.util.Objects;

/**
 * Many transactions of one name, type and minute, aggregated by the agent that timed them: exact
 * count, failures, sum, min and max, plus their durations as a DDSketch in the encoding of {@code
 * io.upbeat.metrics.LatencySketch} (logarithmic mapping, relative accuracy 0.5%, mapping omitted).
 * Agents that aggregate send these instead of one event per transaction; the processor merges them
 * exactly like its own minute rows.
 *
 * @param minute the start of the minute (UTC) the transactions began in
 */
public record TransactionMetric(
    String name,
    String type,
    Instant minute,
    long count,
    long failures,
    double sumMs,
    double minMs,
    double maxMs,
    byte[] sketch) {
  public TransactionMetric {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(minute, "minute");
    Objects.requireNonNull(sketch, "sketch");
  }
}
