package io.upbeat.api.security;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * New secrets: API keys and app tokens. Each is a recognisable prefix (so secret scanners can find
 * a leaked one) followed by 256 random bits in URL-safe base64. Only their SHA-256 digest is
 * stored; the value is shown once.
 */
public final class Secrets {
  public static final String API_KEY_PREFIX = "ub_key_";
  public static final String SECRET_TOKEN_PREFIX = "ub_app_";
  public static final String CI_TOKEN_PREFIX = "ub_ci_";

  private static final int RANDOM_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  public static String newApiKey() {
    return generate(API_KEY_PREFIX);
  }

  public static String newSecretToken() {
    return generate(SECRET_TOKEN_PREFIX);
  }

  public static String newCiToken() {
    return generate(CI_TOKEN_PREFIX);
  }

  /** A single-use token for an invitation's mailed link. */
  public static String newInvitationToken() {
    return generate("ub_inv_");
  }

  /** A single-use token for a link mailed to verify an e-mail address. */
  public static String newEmailVerificationToken() {
    return generate("ub_ver_");
  }

  static String generate(String prefix) {
    byte[] bytes = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(bytes);
    return prefix + ENCODER.encodeToString(bytes);
  }
}
