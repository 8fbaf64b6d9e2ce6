package io.upbeat.api.security;

import io.upbeat.events.TokenDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Resolves a presented API key or CI token, by its digest, to whom it belongs. */
@Component
class CredentialLookup {
  /** How coarse {@code api_keys.last_used_at} is: written at most this often per key. */
  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private final JdbcClient jdbc;
  private final Clock clock;

  CredentialLookup(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /**
   * The user whose key this is, if the key is neither revoked nor expired. Nothing is cached: each
   * request reads the key's row (one probe of the unique index on its digest), so a revoked or
   * expired key is refused from the very next request on.
   */
  Optional<CurrentUser> userForApiKey(String apiKey) {
    byte[] digest = TokenDigest.sha256(apiKey);
    Instant now = clock.instant();
    Optional<Key> key =
        jdbc.sql(
                """
                SELECT u.id, u.email, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.key_hash = :hash AND k.revoked_at IS NULL
                  AND (k.expires_at IS NULL OR k.expires_at > :now)
                """)
            .param("hash", digest)
            .param("now", Timestamp.from(now))
            .query(
                (rs, n) -> {
                  Timestamp lastUsed = rs.getTimestamp(3);
                  return new Key(
                      new CurrentUser(rs.getObject(1, UUID.class), rs.getString(2)),
                      lastUsed == null ? null : lastUsed.toInstant());
                })
            .optional();
    key.filter(k -> k.lastUsedAt() == null || !k.lastUsedAt().isAfter(now.minus(TOUCH_EVERY)))
        .ifPresent(k -> touch(digest, now));
    return key.map(Key::user);
  }

  private record Key(CurrentUser user, Instant lastUsedAt) {}

  Optional<CiCaller> appForCiToken(String token) {
    return jdbc.sql(
            """
            SELECT app_id FROM app_tokens
            WHERE token_hash = :hash AND kind = 'ci' AND revoked_at IS NULL
            """)
        .param("hash", TokenDigest.sha256(token))
        .query((rs, n) -> new CiCaller(rs.getObject(1, UUID.class)))
        .optional();
  }

  /**
   * Records when a key was last used, at most once a minute per key to spare writes: the caller
   * only writes when the row it read is a minute old, and the condition here keeps concurrent
   * requests (and other instances) from writing it again within that minute.
   */
  private void touch(byte[] digest, Instant now) {
    jdbc.sql(
            """
            UPDATE api_keys SET last_used_at = :now
            WHERE key_hash = :hash
              AND (last_used_at IS NULL OR last_used_at <= :cutoff)
            """)
        .param("now", Timestamp.from(now))
        .param("cutoff", Timestamp.from(now.minus(TOUCH_EVERY)))
        .param("hash", digest)
        .update();
  }
}
