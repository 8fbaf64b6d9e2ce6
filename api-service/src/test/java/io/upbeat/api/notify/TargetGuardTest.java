package io.upbeat.api.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetGuardTest {
  private static TargetGuard.Resolver fixed(String ip) {
    return host -> new InetAddress[] {InetAddress.getByName(ip)};
  }

  @Test
  void refusesPrivateLoopbackAndLinkLocalTargets() {
    Map<String, Boolean> publicByIp =
        Map.ofEntries(
            Map.entry("127.0.0.1", false),
            Map.entry("10.1.2.3", false),
            Map.entry("172.16.0.1", false),
            Map.entry("192.168.1.1", false),
            Map.entry("169.254.169.254", false),
            Map.entry("100.64.0.1", false),
            Map.entry("0.0.0.0", false),
            Map.entry("::1", false),
            Map.entry("fd00::1", false),
            Map.entry("fe80::1", false),
            Map.entry("224.0.0.1", false),
            Map.entry("93.184.215.14", true),
            Map.entry("2606:2800:21f:cb07:6820:80da:af6b:8b2c", true));
    publicByIp.forEach(
        (ip, ok) ->
            assertThat(
                    TargetGuard.refuse("https://hooks.example.com/x", false, fixed(ip)).isEmpty())
                .as(ip)
                .isEqualTo(ok));
  }

  @Test
  void refusesOtherSchemesCredentialsAndUnknownHosts() {
    TargetGuard.Resolver nowhere =
        host -> {
          throw new UnknownHostException(host);
        };
    assertThat(TargetGuard.refuse("ftp://example.com/x", true, nowhere)).isPresent();
    assertThat(TargetGuard.refuse("not a url", true, nowhere)).isPresent();
    assertThat(TargetGuard.refuse("https://user:pw@example.com/", true, nowhere)).isPresent();
    assertThat(TargetGuard.refuse("https:///path", true, nowhere)).isPresent();
    assertThat(TargetGuard.refuse("https://nowhere.invalid/", false, nowhere))
        .contains("names a host that does not resolve");
    // Self-hosting: the operator may allow private targets.
    assertThat(TargetGuard.refuse("http://127.0.0.1:9000/hook", true, nowhere)).isEmpty();
  }

  @Test
  void signaturesAreHmacSha256OfTheBodyWithTheDerivedSecret() {
    byte[] key = new byte[32];
    java.util.UUID id = java.util.UUID.fromString("00000000-0000-0000-0000-000000000001");
    String secret = Signing.secretFor(key, id);
    assertThat(secret).startsWith("whsec_").isEqualTo(Signing.secretFor(key, id));
    assertThat(Signing.secretFor(key, java.util.UUID.randomUUID())).isNotEqualTo(secret);
    // RFC 4231-style check against the JDK directly.
    assertThat(Signing.signature("key", "The quick brown fox jumps over the lazy dog".getBytes()))
        .isEqualTo("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  }
}
