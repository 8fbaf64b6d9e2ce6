package io.upbeat.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Times one match against the worst inputs we know of, after the JIT has seen the code. */
final class LinearTime {
  /** The budget of one match, generous for a shared CI machine; backtracking takes seconds. */
  static final long BUDGET_NANOS = 50_000_000L;

  private LinearTime() {}

  /**
   * Runs {@code match} five times and asserts the fastest run took under {@link #BUDGET_NANOS} (the
   * fastest, so that a pause of the machine is not blamed on the matcher).
   *
   * @return the result of the match
   */
  static boolean within50ms(String what, BooleanSupplier match) {
    long best = Long.MAX_VALUE;
    boolean result = false;
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      result = match.getAsBoolean();
      best = Math.min(best, System.nanoTime() - start);
    }
    assertThat(best).as("%s took %d ms", what, best / 1_000_000).isLessThan(BUDGET_NANOS);
    return result;
  }

  /** Exercises {@code match} until the JIT has compiled it. */
  static void warmUp(BooleanSupplier match) {
    for (int i = 0; i < 200; i++) {
      match.getAsBoolean();
    }
  }
}
