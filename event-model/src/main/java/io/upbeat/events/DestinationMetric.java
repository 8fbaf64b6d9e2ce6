package io.upbeat.events;

import java.time.Instant;
import java.util.Objects;

/**
 * The exit spans (outgoing calls, database queries) of one app to one destination in one minute,
 * counted exactly: the edges of the service map. Sent by agents that aggregate their exit spans
 * (agent-java), or derived by intake from the exit spans of the transactions it counts; the
 * processor merges them into {@code destination_metrics_1m} like {@link TransactionMetric}s into
 * the minute metrics.
 *
 * @param destination where the calls went: {@code host:port}, or the database system
 * @param minute the start of the minute (UTC) the calls began in
 * @param failures calls whose outcome was {@code failure}
 * @param sketch the calls' durations as a DDSketch in the encoding of {@code
 *     io.upbeat.metrics.LatencySketch}, as in {@link TransactionMetric}
 */
public record DestinationMetric(
    String destination,
    Instant minute,
    long count,
    long failures,
    double sumMs,
    double minMs,
    double maxMs,
    byte[] sketch) {
  public DestinationMetric {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(minute, "minute");
    Objects.requireNonNull(sketch, "sketch");
  }

  /** This metric with another destination (scrubbing, making text storable); the same if equal. */
  public DestinationMetric withDestination(String destination) {
    return destination == this.destination
        ? this
        : new DestinationMetric(destination, minute, count, failures, sumMs, minMs, maxMs, sketch);
  }
}
