package io.upbeat.intake.auth;

import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.TokenDigest;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live secret tokens, by SHA-256 digest, as published on the app-token topic. Looking a token
 * up costs one digest and one map lookup: no database, no network.
 */
public final class AppTokenTable {
  private static final String PREFIX = "ub_app_";

  private final Map<String, UUID> appByDigest = new ConcurrentHashMap<>();

  /**
   * The token an {@code Authorization} header presents under one of {@code schemes} (such as {@code
   * "Bearer"}, matched without regard to case), or null when it presents none: every intake
   * endpoint reads the header this way, then asks {@link #appFor}.
   */
  public static String presented(String header, String... schemes) {
    if (header != null) {
      for (String scheme : schemes) {
        int n = scheme.length();
        if (header.length() > n
            && header.regionMatches(true, 0, scheme, 0, n)
            && header.charAt(n) == ' ') {
          return header.substring(n + 1).trim();
        }
      }
    }
    return null;
  }

  /** The app a presented token belongs to, or empty if it is not a live secret token. */
  public Optional<UUID> appFor(String token) {
    if (token == null || !token.startsWith(PREFIX) || token.length() > 200) {
      return Optional.empty();
    }
    return Optional.ofNullable(appByDigest.get(TokenDigest.sha256Hex(token)));
  }

  /**
   * Applies one record of the topic: a token record adds it, a tombstone (null value) removes it.
   *
   * @throws IllegalArgumentException for a value that is not a token record
   */
  public void apply(String digestHex, byte[] value) {
    if (value == null) {
      appByDigest.remove(digestHex);
      return;
    }
    AppTokenRecord token = AppTokenCodec.decode(value);
    if (AppTokenRecord.SECRET.equals(token.kind())) {
      appByDigest.put(digestHex, token.appId());
    } else {
      appByDigest.remove(digestHex);
    }
  }

  public int size() {
    return appByDigest.size();
  }
}
