package io.upbeat.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UserSketchTest {
  @Test
  void fewUsersAreCountedExactlyAndSurviveTheirEncoding() {
    UserSketch s = new UserSketch().add("id:1").add("id:2").add("id:1").add("email:a@example.com");
    assertThat(s.count()).isEqualTo(3);
    assertThat(s.isExact()).isTrue();
    UserSketch back = UserSketch.fromBytes(s.toBytes());
    assertThat(back.count()).isEqualTo(3);
    assertThat(back.isExact()).isTrue();
    assertThat(new UserSketch().isEmpty()).isTrue();
    assertThat(new UserSketch().count()).isZero();
  }

  @Test
  void theLimitIsExactAndOneMoreBecomesASketch() {
    UserSketch s = new UserSketch();
    for (int i = 0; i < UserSketch.EXACT_LIMIT; i++) {
      s.add("id:" + i);
    }
    assertThat(s.isExact()).isTrue();
    assertThat(s.count()).isEqualTo(UserSketch.EXACT_LIMIT);
    s.add("id:" + UserSketch.EXACT_LIMIT);
    assertThat(s.isExact()).isFalse();
    assertThat(s.toBytes()).hasSize(1 + (1 << UserSketch.PRECISION));
    assertThat((double) s.count()).isCloseTo(UserSketch.EXACT_LIMIT + 1, withinPercent(2));
  }

  @Test
  void mergingCountsTheUnionNotTheSum() {
    UserSketch a = new UserSketch();
    UserSketch b = new UserSketch();
    for (int i = 0; i < 600; i++) {
      a.add("id:" + i);
      b.add("id:" + (i + 300)); // 300 shared
    }
    UserSketch union = new UserSketch().merge(a.toBytes()).merge(b.toBytes());
    assertThat(union.count()).isEqualTo(900);
    assertThat(union.isExact()).isTrue();
    // Past the limit the union becomes a sketch, still counting shared users once.
    UserSketch c = new UserSketch();
    for (int i = 0; i < 5_000; i++) {
      c.add("id:" + i);
    }
    UserSketch big = new UserSketch().merge(c.toBytes()).merge(a).merge(c);
    assertThat(big.isExact()).isFalse();
    assertThat((double) big.count()).isCloseTo(5_000, withinPercent(2));
  }

  /**
   * The documented bound: within 2 % at 100,000 users, whether they arrive in one sketch or spread
   * over 24 hourly rows of 4 partitions that are merged from their bytes (each user in several).
   */
  @Test
  void aHundredThousandUsersAreEstimatedWithinTwoPercent() {
    int n = 100_000;
    UserSketch one = new UserSketch();
    UserSketch[] rows = new UserSketch[96];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = new UserSketch();
    }
    for (int i = 0; i < n; i++) {
      String key = "id:user-" + i;
      one.add(key);
      rows[i % rows.length].add(key);
      rows[(i * 7 + 3) % rows.length].add(key);
    }
    UserSketch merged = new UserSketch();
    for (UserSketch r : rows) {
      merged.merge(r.toBytes());
    }
    assertThat((double) one.count()).isCloseTo(n, withinPercent(2));
    assertThat((double) merged.count()).isCloseTo(n, withinPercent(2));
    assertThat(merged.isExact()).isFalse();
  }

  /** Many independent trials: the bound holds for every one, by a wide margin on average. */
  @Test
  void theErrorStaysWithinTwoPercentAcrossTrials() {
    double worst = 0;
    for (int trial = 0; trial < 50; trial++) {
      int n = 20_000 + trial * 1_000;
      UserSketch s = new UserSketch();
      for (int i = 0; i < n; i++) {
        s.add("email:t" + trial + "-" + i + "@example.com");
      }
      worst = Math.max(worst, Math.abs(s.count() - n) / (double) n);
    }
    assertThat(worst).isLessThan(0.02);
  }

  @Test
  void aMillionUsersFitInSixteenKibibytesWithinTwoPercent() {
    UserSketch s = new UserSketch();
    for (int i = 0; i < 1_000_000; i++) {
      s.add("id:" + i);
    }
    assertThat(s.toBytes()).hasSize(1 + 16 * 1024);
    assertThat((double) s.count()).isCloseTo(1_000_000, withinPercent(2));
  }

  @Test
  void foreignBytesAreRefused() {
    assertThatThrownBy(() -> UserSketch.fromBytes(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UserSketch.fromBytes(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UserSketch.fromBytes(new byte[] {2, 0}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UserSketch.fromBytes(new byte[] {9}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static org.assertj.core.data.Percentage withinPercent(double p) {
    return org.assertj.core.data.Percentage.withPercentage(p);
  }
}
