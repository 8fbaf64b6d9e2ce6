package io.upbeat.api.security;

import io.upbeat.events.TokenDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Resolves a presented API key or CI token, by its digest, to whom it belongs. */
@Component
class CredentialLookup {
  private final JdbcClient jdbc;
  private final Clock clock;

  CredentialLookup(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  Optional<CurrentUser> userForApiKey(String apiKey) {
    byte[] digest = TokenDigest.sha256(apiKey);
    Optional<CurrentUser> user =
        jdbc.sql(
                """
                SELECT u.id, u.email FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.key_hash = :hash AND k.revoked_at IS NULL
                """)
            .param("hash", digest)
            .query((rs, n) -> new CurrentUser(rs.getObject(1, UUID.class), rs.getString(2)))
            .optional();
    user.ifPresent(u -> touch(digest));
    return user;
  }

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

  /** Records when a key was last used, at most once a minute per key to spare writes. */
  private void touch(byte[] digest) {
    Instant now = clock.instant();
    jdbc.sql(
            """
            UPDATE api_keys SET last_used_at = :now
            WHERE key_hash = :hash
              AND (last_used_at IS NULL OR last_used_at < :cutoff)
            """)
        .param("now", java.sql.Timestamp.from(now))
        .param("cutoff", java.sql.Timestamp.from(now.minusSeconds(60)))
        .param("hash", digest)
        .update();
  }
}
