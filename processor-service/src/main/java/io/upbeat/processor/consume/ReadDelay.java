package io.upbeat.processor.consume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps a pipeline a fixed window behind real time: a record is processed only once it is {@code
 * window} old by its Kafka timestamp (the tail pipeline waits for the errors and failures of a
 * trace, which other apps may report a little later, to be recorded before it reads the trace's
 * transactions). Kafka is the buffer: nothing is held in memory or on disk, the partition is only
 * paused at the first record too young and read again from there.
 *
 * <p>A record's wait is bounded by the window from the moment it was first held, so a producer
 * whose clock runs ahead cannot stall a partition. Once held, a partition is released in steps of
 * at least {@link #STEP} (or the window, if shorter), so a steady stream is read in bites rather
 * than one record per poll; a record is thus read at most a step after its time. Used by one
 * pipeline thread; not thread-safe.
 */
public final class ReadDelay {
  /** The least time a partition stays held once it is. */
  static final Duration STEP = Duration.ofSeconds(1);

  /** No delay: every record is processed when read. */
  public static final ReadDelay NONE = new ReadDelay(Duration.ZERO, Clock.systemUTC());

  /** A held partition: the record it stopped at, until when, and whether it is paused now. */
  private record Hold(long offset, Instant until, boolean paused) {}

  private final Duration window;
  private final Duration step;
  private final Clock clock;
  private final Map<Integer, Hold> holds = new HashMap<>();

  /**
   * @param window how old a record must be to be processed; zero for none
   * @param clock the processor's clock, compared with the records' timestamps
   */
  public ReadDelay(Duration window, Clock clock) {
    if (window.isNegative()) {
      throw new IllegalArgumentException("read delay must not be negative: " + window);
    }
    this.window = window;
    this.step = window.compareTo(STEP) < 0 ? window : STEP;
    this.clock = clock;
  }

  public Duration window() {
    return window;
  }

  /**
   * Whether the record at {@code offset} of {@code partition}, with Kafka timestamp {@code
   * timestampMs}, is to wait: null if it may be processed now, else until when its partition is
   * paused (the pipeline then seeks back to it). A record held before keeps its first deadline.
   */
  Instant holdUntil(int partition, long offset, long timestampMs) {
    if (window.isZero()) {
      return null;
    }
    Instant now = clock.instant();
    Hold held = holds.get(partition);
    Instant until;
    if (held != null && held.offset() == offset) {
      until = held.until();
    } else {
      Instant byTimestamp = Instant.ofEpochMilli(timestampMs).plus(window);
      Instant bound = now.plus(window);
      until = byTimestamp.isAfter(bound) ? bound : byTimestamp;
      if (until.isAfter(now) && until.isBefore(now.plus(step))) {
        until = now.plus(step);
      }
    }
    if (!now.isBefore(until)) {
      holds.remove(partition);
      return null;
    }
    holds.put(partition, new Hold(offset, until, true));
    return until;
  }

  /**
   * The held partitions whose time has come, to resume; they are no longer counted as held, but
   * their record keeps its deadline when it is read again.
   */
  List<Integer> due() {
    List<Integer> due = new ArrayList<>();
    Instant now = clock.instant();
    holds.replaceAll(
        (p, h) -> {
          if (h.paused() && !now.isBefore(h.until())) {
            due.add(p);
            return new Hold(h.offset(), h.until(), false);
          }
          return h;
        });
    return due;
  }

  /** Whether {@code partition} is paused by this delay now (not for a failure). */
  boolean holds(int partition) {
    Hold h = holds.get(partition);
    return h != null && h.paused();
  }

  /** Partitions paused by this delay now. */
  int held() {
    return (int) holds.values().stream().filter(Hold::paused).count();
  }

  /** Forgets {@code partition}: revoked, or sought to another offset. */
  void forget(int partition) {
    holds.remove(partition);
  }
}
