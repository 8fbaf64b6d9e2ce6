package io.upbeat.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a secret (app token or API key): the only form in which Upbeat stores or publishes
 * one. Tokens carry at least 128 random bits, so a plain (unsalted) digest cannot be reversed, and
 * it lets a presented token be looked up by its digest.
 */
public final class TokenDigest {
  private static final HexFormat HEX = HexFormat.of();

  private TokenDigest() {}

  /** The 32-byte SHA-256 of the token's UTF-8 bytes. */
  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The digest as 64 lower-case hex digits, as used for Kafka keys. */
  public static String sha256Hex(String token) {
    return HEX.formatHex(sha256(token));
  }

  public static String hex(byte[] digest) {
    return HEX.formatHex(digest);
  }
}
