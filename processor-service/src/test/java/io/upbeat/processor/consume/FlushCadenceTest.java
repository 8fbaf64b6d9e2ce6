package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FlushCadenceTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration SECOND = Duration.ofSeconds(1);

  @Test
  void aQuickFlushIsFollowedOneIntervalAfterItStarted() {
    Instant end = T0.plusMillis(100);
    assertThat(FlushCadence.next(T0, end, SECOND, Duration.ZERO)).isEqualTo(T0.plusSeconds(1));
  }

  @Test
  void aSlowFlushDoesNotStretchTheCycleByItsOwnLength() {
    Instant end = T0.plusMillis(400);
    // From the end, the cycle would be 1.4 s; from the start it stays 1 s.
    assertThat(FlushCadence.next(T0, end, SECOND, Duration.ZERO)).isEqualTo(T0.plusSeconds(1));
  }

  @Test
  void consumptionGetsAtLeastHalfAnIntervalAfterAFlushLongerThanHalfOfIt() {
    Instant end = T0.plusMillis(800);
    assertThat(FlushCadence.next(T0, end, SECOND, Duration.ZERO)).isEqualTo(end.plusMillis(500));
    Instant late = T0.plusSeconds(3);
    assertThat(FlushCadence.next(T0, late, SECOND, Duration.ZERO)).isEqualTo(late.plusMillis(500));
  }

  @Test
  void whileFlushesFailTheBackoffCountsFromTheEndOnTopOfAWholeInterval() {
    Instant end = T0.plusMillis(100);
    assertThat(FlushCadence.next(T0, end, SECOND, Duration.ofSeconds(4)))
        .isEqualTo(end.plusSeconds(5));
  }
}
