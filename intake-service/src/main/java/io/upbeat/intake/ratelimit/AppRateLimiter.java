package io.upbeat.intake.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Events per second per app, each app with its own {@link TokenBucket} (one second of burst, or one
 * maximal request if that is more). Buckets of apps that went quiet are forgotten.
 */
public final class AppRateLimiter {
  private final double eventsPerSecond;
  private final double capacity;
  private final LongSupplier nanoTicker;
  private final Cache<UUID, TokenBucket> buckets;

  public AppRateLimiter(double eventsPerSecond, int maxEventsPerRequest, LongSupplier nanoTicker) {
    this.eventsPerSecond = eventsPerSecond;
    this.capacity = Math.max(eventsPerSecond, maxEventsPerRequest);
    this.nanoTicker = nanoTicker;
    this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
  }

  /** Whether the app may send anything now (checked before its body is read). */
  public boolean mayTry(UUID app) {
    return bucket(app).hasAny();
  }

  /** Takes {@code events} from the app's bucket; {@link Duration#ZERO} or the wait. */
  public Duration tryTake(UUID app, int events) {
    return bucket(app).tryTake(events);
  }

  /**
   * The 429 an app over its rate gets from the JSON endpoints, with Retry-After from {@code wait}.
   */
  public static io.upbeat.support.web.ApiException refusal(Duration wait) {
    return new io.upbeat.support.web.ApiException(
        io.upbeat.support.web.ErrorCode.RATE_LIMITED,
        "This app is sending more events per second than allowed; retry later.",
        java.util.List.of(),
        wait);
  }

  private TokenBucket bucket(UUID app) {
    return buckets.get(app, a -> new TokenBucket(eventsPerSecond, capacity, nanoTicker));
  }
}
