package io.upbeat.api.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook secrets and signatures. A webhook's secret is HMAC-SHA256(server signing key, webhook
 * id), so it is never stored; a delivery carries {@code X-Upbeat-Signature: sha256=<hex HMAC-SHA256
 * of the body with the secret>}.
 */
final class Signing {
  static final String PREFIX = "whsec_";

  private Signing() {}

  static String secretFor(byte[] signingKey, UUID webhook) {
    byte[] mac = hmac(signingKey, webhook.toString().getBytes(StandardCharsets.UTF_8));
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
  }

  static String signature(String secret, byte[] body) {
    return "sha256="
        + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
