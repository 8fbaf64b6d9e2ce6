package io.upbeat.processor.metrics;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cardinality guard: at most {@code maxNames} distinct transaction names per app and minute;
 * further names are folded into {@link #OTHER}, so an app that puts ids in its transaction names
 * cannot explode the metrics tables. Counted per processor instance over the minutes it saw
 * recently, so with several instances an app may reach a little more than the limit.
 */
public final class NameLimiter {
  /** The name that stands for every name over the limit. */
  public static final String OTHER = "_other";

  private final int maxNames;
  private final Cache<AppMinute, Set<String>> names;

  public NameLimiter(int maxNames) {
    if (maxNames < 1) {
      throw new IllegalArgumentException("max names must be at least 1: " + maxNames);
    }
    this.maxNames = maxNames;
    this.names = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(15)).build();
  }

  /** {@code name}, or {@link #OTHER} if the app already has the maximum of names this minute. */
  public String admit(UUID app, Instant minute, String name) {
    Set<String> seen = names.get(new AppMinute(app, minute), k -> ConcurrentHashMap.newKeySet());
    if (seen.contains(name)) {
      return name;
    }
    if (seen.size() >= maxNames) {
      return OTHER;
    }
    seen.add(name);
    return name;
  }

  private record AppMinute(UUID app, Instant minute) {}
}
