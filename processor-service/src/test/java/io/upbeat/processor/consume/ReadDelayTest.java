package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.processor.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The tail pipeline's window: which records wait, until when, and when their partition resumes. */
class ReadDelayTest {
  private static final Duration WINDOW = Duration.ofSeconds(30);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
  private final ReadDelay delay = new ReadDelay(WINDOW, clock);

  private long ago(Duration d) {
    return clock.instant().minus(d).toEpochMilli();
  }

  @Test
  void aRecordOlderThanTheWindowIsProcessedAtOnce() {
    assertThat(delay.holdUntil(0, 10, ago(Duration.ofSeconds(31)))).isNull();
    assertThat(delay.holdUntil(0, 11, ago(WINDOW))).isNull();
    assertThat(delay.holds(0)).isFalse();
    assertThat(delay.held()).isZero();
  }

  @Test
  void aYoungRecordHoldsItsPartitionUntilItIsWindowOld() {
    Instant until = delay.holdUntil(3, 42, ago(Duration.ofSeconds(10)));
    assertThat(until).isEqualTo(clock.instant().plusSeconds(20));
    assertThat(delay.holds(3)).isTrue();
    assertThat(delay.held()).isEqualTo(1);
    assertThat(delay.due()).isEmpty();

    clock.advance(Duration.ofSeconds(19));
    assertThat(delay.due()).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(delay.due()).containsExactly(3);
    assertThat(delay.holds(3)).isFalse();
    assertThat(delay.due()).isEmpty(); // resumed once
    // Read again from the same record: now it passes, and the partition is free.
    assertThat(delay.holdUntil(3, 42, until.minus(WINDOW).toEpochMilli())).isNull();
    assertThat(delay.holds(3)).isFalse();
  }

  @Test
  void partitionsAreHeldApart() {
    delay.holdUntil(0, 1, ago(Duration.ofSeconds(25)));
    delay.holdUntil(1, 1, ago(Duration.ofSeconds(5)));
    assertThat(delay.held()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(5));
    assertThat(delay.due()).containsExactly(0);
    assertThat(delay.holds(1)).isTrue();
    clock.advance(Duration.ofSeconds(20));
    assertThat(delay.due()).containsExactly(1);
  }

  /** A producer whose clock runs ahead cannot stall a partition for longer than the window. */
  @Test
  void aRecordFromTheFutureWaitsNoLongerThanTheWindowFromWhenItWasHeld() {
    long future = clock.instant().plus(Duration.ofHours(2)).toEpochMilli();
    Instant until = delay.holdUntil(0, 7, future);
    assertThat(until).isEqualTo(clock.instant().plus(WINDOW));
    clock.advance(WINDOW.minusSeconds(1));
    // Read again before its time (a failed flush's recovery resumed it): same deadline.
    assertThat(delay.holdUntil(0, 7, future)).isEqualTo(until);
    clock.advance(Duration.ofSeconds(1));
    assertThat(delay.due()).containsExactly(0);
    assertThat(delay.holdUntil(0, 7, future)).isNull();
  }

  /** A steady stream is released in bites of at least a step, not one record per poll. */
  @Test
  void aPartitionHeldIsHeldAtLeastAStep() {
    Instant until = delay.holdUntil(0, 5, ago(WINDOW.minusMillis(20)));
    assertThat(until).isEqualTo(clock.instant().plus(ReadDelay.STEP));
    ReadDelay short_ = new ReadDelay(Duration.ofMillis(200), clock);
    assertThat(short_.holdUntil(0, 5, ago(Duration.ofMillis(190))))
        .isEqualTo(clock.instant().plusMillis(200));
  }

  @Test
  void aForgottenPartitionIsJudgedAfresh() {
    long young = ago(Duration.ofSeconds(1));
    delay.holdUntil(2, 9, young);
    delay.forget(2);
    assertThat(delay.holds(2)).isFalse();
    assertThat(delay.due()).isEmpty();
    clock.advance(Duration.ofSeconds(29));
    assertThat(delay.holdUntil(2, 9, young)).isNull();
  }

  @Test
  void noWindowHoldsNothing() {
    assertThat(ReadDelay.NONE.holdUntil(0, 0, Long.MAX_VALUE)).isNull();
    assertThat(new ReadDelay(Duration.ZERO, clock).holdUntil(0, 0, Long.MAX_VALUE)).isNull();
    assertThatThrownBy(() -> new ReadDelay(Duration.ofSeconds(-1), clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
  }
}
