package io.upbeat.api.notify;

import java.security.SecureRandom;
import java.util.Base64;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The server's webhook signing key: configured, or generated once and shared through PostgreSQL.
 */
@Component
class SigningKey {
  private static final String NAME = "webhook-signing-key";

  private final JdbcClient jdbc;
  private final WebhookProperties properties;
  private volatile byte[] key;

  SigningKey(JdbcClient jdbc, WebhookProperties properties) {
    this.jdbc = jdbc;
    this.properties = properties;
  }

  byte[] get() {
    byte[] k = key;
    if (k == null) {
      k = load();
      key = k;
    }
    return k;
  }

  private byte[] load() {
    if (properties.signingKey() != null && !properties.signingKey().isBlank()) {
      byte[] configured = Base64.getDecoder().decode(properties.signingKey().trim());
      if (configured.length < 32) {
        throw new IllegalStateException("upbeat.webhooks.signing-key must be at least 32 bytes");
      }
      return configured;
    }
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    jdbc.sql("INSERT INTO server_secrets (name, value) VALUES (:n, :v) ON CONFLICT DO NOTHING")
        .param("n", NAME)
        .param("v", fresh)
        .update();
    return jdbc.sql("SELECT value FROM server_secrets WHERE name = :n")
        .param("n", NAME)
        .query(byte[].class)
        .single();
  }
}
