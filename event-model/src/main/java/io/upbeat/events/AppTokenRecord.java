package io.upbeat.events;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A live app token as published on {@link Topics#APP_TOKENS}, keyed by the token's SHA-256 hex
 * digest. A revoked token is published as a tombstone (a null value) for the same key, so a
 * compacted topic holds exactly the live tokens.
 *
 * @param kind {@code secret} (agents, accepted by intake) or {@code ci} (releases)
 */
public record AppTokenRecord(UUID appId, String kind, Instant createdAt) {
  public static final String SECRET = "secret";
  public static final String CI = "ci";

  public AppTokenRecord {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(createdAt, "createdAt");
    if (!SECRET.equals(kind) && !CI.equals(kind)) {
      throw new IllegalArgumentException("token kind must be secret or ci: " + kind);
    }
  }
}
