package io.upbeat.intake.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private final AtomicLong nanos = new AtomicLong();

  @Test
  void allowsABurstThenRefillsAtTheRate() {
    TokenBucket bucket = new TokenBucket(100, 100, nanos::get);

    assertThat(bucket.tryTake(100)).isZero();
    assertThat(bucket.tryTake(10)).isEqualTo(Duration.ofMillis(100));
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(bucket.tryTake(10)).isZero();
    assertThat(bucket.hasAny()).isFalse();
  }

  @Test
  void neverHoldsMoreThanItsCapacity() {
    TokenBucket bucket = new TokenBucket(100, 50, nanos::get);
    nanos.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(bucket.tryTake(50)).isZero();
    assertThat(bucket.tryTake(1)).isPositive();
  }

  @Test
  void aRequestLargerThanTheCapacityNeedsAFullBucket() {
    TokenBucket bucket = new TokenBucket(10, 10, nanos::get);
    assertThat(bucket.tryTake(1_000)).isZero();
    assertThat(bucket.tryTake(1_000)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void appsHaveSeparateBuckets() {
    AppRateLimiter limiter = new AppRateLimiter(20, 10, nanos::get);
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    assertThat(limiter.tryTake(a, 20)).isZero();
    assertThat(limiter.mayTry(a)).isFalse();
    assertThat(limiter.mayTry(b)).isTrue();
    assertThat(limiter.tryTake(b, 20)).isZero();
  }
}
