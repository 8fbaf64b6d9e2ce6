package io.upbeat.api.accounts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * API key settings.
 *
 * @param loginTtl how long a key minted by {@code POST /api/v1/login} or the JSON sign-up stays
 *     valid: a login key is a session for scripts, so it ends on its own like a browser session
 *     does (a script that needs a lasting key creates a named personal key instead)
 */
@ConfigurationProperties("upbeat.api-keys")
record ApiKeyProperties(@DefaultValue("30d") Duration loginTtl) {

  ApiKeyProperties {
    if (loginTtl.isNegative() || loginTtl.isZero()) {
      throw new IllegalArgumentException("upbeat.api-keys.login-ttl must be positive: " + loginTtl);
    }
  }
}
