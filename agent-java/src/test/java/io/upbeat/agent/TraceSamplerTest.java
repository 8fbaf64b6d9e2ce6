package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The root's sampling decision: a token bucket of traces per second, then a probability. */
class TraceSamplerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long T0 = 5 * SECOND;

  @Test
  void takesASecondsWorthAtOnceThenTheRate() {
    TraceSampler s = new TraceSampler(10, 0, T0);
    assertThat(IntStream.range(0, 100).filter(i -> s.sampleRoot(T0)).count()).isEqualTo(10);
    // A tenth of a second later, one more token.
    assertThat(s.sampleRoot(T0 + SECOND / 10)).isTrue();
    assertThat(s.sampleRoot(T0 + SECOND / 10)).isFalse();
    // Ten seconds at 1,000 roots a second: 10 a second, never more.
    long sampled = 0;
    for (int ms = 200; ms < 10_200; ms++) {
      if (s.sampleRoot(T0 + ms * 1_000_000L)) {
        sampled++;
      }
    }
    assertThat(sampled).isBetween(99L, 101L);
  }

  @Test
  void aFractionalRateAndAQuietTimeDoNotOverfill() {
    TraceSampler s = new TraceSampler(0.5, 0, T0);
    assertThat(s.sampleRoot(T0)).isTrue(); // at least one token
    assertThat(s.sampleRoot(T0)).isFalse();
    assertThat(s.sampleRoot(T0 + SECOND)).isFalse();
    assertThat(s.sampleRoot(T0 + 2 * SECOND)).isTrue();
    // An hour of quiet holds no more than the burst.
    assertThat(IntStream.range(0, 10).filter(i -> s.sampleRoot(T0 + 3600 * SECOND)).count())
        .isEqualTo(1);
  }

  @Test
  void theRateSamplesWhatTheBucketLeaves() {
    assertThat(IntStream.range(0, 1000).filter(i -> new TraceSampler(0, 0, T0).sampleRoot(T0)))
        .isEmpty();
    TraceSampler all = new TraceSampler(0, 1, T0);
    assertThat(IntStream.range(0, 1000).allMatch(i -> all.sampleRoot(T0 + i))).isTrue();
    TraceSampler some = new TraceSampler(0, 0.25, T0);
    long n = IntStream.range(0, 20_000).filter(i -> some.sampleRoot(T0)).count();
    assertThat(n).isBetween(4_500L, 5_500L);
  }

  @Test
  void concurrentRootsNeverTakeMoreThanTheBucketHolds() throws Exception {
    TraceSampler s = new TraceSampler(100, 0, T0);
    java.util.concurrent.atomic.AtomicLong taken = new java.util.concurrent.atomic.AtomicLong();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  if (s.sampleRoot(T0)) {
                    taken.incrementAndGet();
                  }
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(taken.get()).isEqualTo(100);
  }
}
