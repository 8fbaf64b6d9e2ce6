package io.upbeat.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AlertStateTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private static Instant min(int m) {
    return T0.plusSeconds(60L * m);
  }

  @Test
  void firesOnceWhileBreachedAndResolvesWhenClear() {
    AlertState s = new AlertState(AlertState.Snapshot.OK, 0);
    assertThat(s.step(min(1), false)).isNull();
    assertThat(s.step(min(2), true)).isEqualTo(new AlertState.Change("firing", min(2), true));
    assertThat(s.step(min(3), true)).isNull();
    assertThat(s.snapshot().firing()).isTrue();
    assertThat(s.snapshot().since()).isEqualTo(min(2));
    assertThat(s.step(min(4), false)).isEqualTo(new AlertState.Change("resolved", min(4), true));
    assertThat(s.step(min(5), false)).isNull();
    assertThat(s.snapshot().firing()).isFalse();
  }

  @Test
  void aFiringWithinTheCooldownIsRecordedButNotNotifiedNorIsItsResolve() {
    AlertState s = new AlertState(AlertState.Snapshot.OK, 10);
    assertThat(s.step(min(0), true).notified()).isTrue();
    assertThat(s.step(min(1), false).notified()).isTrue();
    // 5 minutes after the notified firing: within the 10-minute cooldown.
    AlertState.Change again = s.step(min(5), true);
    assertThat(again.state()).isEqualTo("firing");
    assertThat(again.notified()).isFalse();
    assertThat(s.step(min(6), false).notified()).isFalse();
    // Exactly 10 minutes after the last notified firing: notified again.
    assertThat(s.step(min(10), true).notified()).isTrue();
    assertThat(s.snapshot().lastNotifiedAt()).isEqualTo(min(10));
  }

  @Test
  void resumesFromItsSnapshot() {
    AlertState first = new AlertState(AlertState.Snapshot.OK, 30);
    first.step(min(0), true);
    AlertState second = new AlertState(first.snapshot(), 30);
    assertThat(second.step(min(1), true)).isNull();
    assertThat(second.step(min(2), false))
        .isEqualTo(new AlertState.Change("resolved", min(2), true));
    assertThat(second.step(min(3), true).notified()).isFalse();
  }
}
