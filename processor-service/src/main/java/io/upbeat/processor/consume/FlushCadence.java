package io.upbeat.processor.consume;

import java.time.Duration;
import java.time.Instant;

/**
 * When a pipeline's next flush is due, from when its last one started and ended.
 *
 * <p>The interval runs from the start of the last flush, so a flush that takes most of the interval
 * does not stretch the time a record waits to be visible (measured from the end, a 600 ms flush and
 * a 1 s interval made a 1.6 s cycle). But consumption always gets at least half an interval between
 * two flushes: measured from the start alone, a flush slower than the interval left time for one
 * poll before the next, and the pipeline fell behind at a fixed {@code max.poll.records} per flush
 * however cheap its records were. While flushes fail, the backoff counts from the end of the last
 * attempt, on top of the whole interval.
 */
final class FlushCadence {
  private FlushCadence() {}

  /** When the next flush is due. */
  static Instant next(Instant lastStart, Instant lastEnd, Duration interval, Duration backoff) {
    if (!backoff.isZero()) {
      return lastEnd.plus(interval).plus(backoff);
    }
    Instant fromStart = lastStart.plus(interval);
    Instant leastConsuming = lastEnd.plus(interval.dividedBy(2));
    return fromStart.isAfter(leastConsuming) ? fromStart : leastConsuming;
  }
}
