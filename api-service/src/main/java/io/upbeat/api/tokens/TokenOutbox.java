package io.upbeat.api.tokens;

import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.TokenDigest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Records app-token changes for intake, in the caller's transaction: either the token change and
 * its announcement both commit, or neither does. {@link TokenPublisher} delivers them to Kafka.
 * Only secret tokens are announced: intake accepts no other kind.
 */
@Component
public class TokenOutbox {
  private final JdbcClient jdbc;

  TokenOutbox(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public void issued(byte[] tokenHash, UUID appId, String kind, Instant createdAt) {
    append(tokenHash, appId, kind, false, createdAt);
  }

  public void revoked(byte[] tokenHash, UUID appId, String kind, Instant revokedAt) {
    append(tokenHash, appId, kind, true, revokedAt);
  }

  private void append(byte[] hash, UUID appId, String kind, boolean revoked, Instant at) {
    if (!AppTokenRecord.SECRET.equals(kind)) {
      return;
    }
    if (hash.length != 32) {
      throw new IllegalArgumentException("not a SHA-256 digest: " + TokenDigest.hex(hash));
    }
    jdbc.sql(
            """
            INSERT INTO app_token_outbox (token_hash, app_id, kind, revoked, created_at)
            VALUES (:hash, :app, :kind, :revoked, :at)
            """)
        .param("hash", hash)
        .param("app", appId)
        .param("kind", kind)
        .param("revoked", revoked)
        .param("at", Timestamp.from(at))
        .update();
  }
}
