package io.upbeat.api.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

class ClientAddressTest {
  private static ClientAddress trusting(String... proxies) {
    return new ClientAddress(List.of(proxies).stream().map(AddressBlock::parse).toList());
  }

  @Test
  void withoutTrustedProxiesTheHeaderIsIgnored() {
    ClientAddress none = trusting();
    assertThat(none.resolve("203.0.113.9", List.of("198.51.100.1"))).isEqualTo("203.0.113.9");
    assertThat(none.resolve("127.0.0.1", List.of("198.51.100.1"))).isEqualTo("127.0.0.1");
  }

  @Test
  void aTrustedPeerHandsOverToTheAddressItForwardedFor() {
    ClientAddress proxy = trusting("10.0.0.0/8");
    assertThat(proxy.resolve("10.1.2.3", List.of("198.51.100.1"))).isEqualTo("198.51.100.1");
    // No header: the proxy itself is the client.
    assertThat(proxy.resolve("10.1.2.3", List.of())).isEqualTo("10.1.2.3");
    // An untrusted peer's header is ignored, even if it names a trusted proxy.
    assertThat(proxy.resolve("203.0.113.9", List.of("10.0.0.1"))).isEqualTo("203.0.113.9");
  }

  @Test
  void aSpoofedChainStopsAtTheRightMostUntrustedAddress() {
    ClientAddress proxies = trusting("10.0.0.0/8", "192.0.2.10");
    // The client wrote "1.1.1.1, 10.9.9.9"; the edge proxy appended the client's real address,
    // the inner proxy the edge's.
    assertThat(proxies.resolve("10.0.0.2", List.of("1.1.1.1, 10.9.9.9, 198.51.100.77, 192.0.2.10")))
        .isEqualTo("198.51.100.77");
    // The same chain split over several header lines reads the same.
    assertThat(
            proxies.resolve(
                "10.0.0.2", List.of("1.1.1.1, 10.9.9.9", "198.51.100.77", "192.0.2.10")))
        .isEqualTo("198.51.100.77");
    // Every hop trusted: the left-most one is the client.
    assertThat(proxies.resolve("10.0.0.2", List.of("10.0.0.5, 192.0.2.10"))).isEqualTo("10.0.0.5");
  }

  @Test
  void ipv6AddressesAndBlocksAreCanonical() {
    ClientAddress proxies = trusting("::1", "fd00::/8");
    assertThat(proxies.resolve("0:0:0:0:0:0:0:1", List.of("2001:DB8::7")))
        .isEqualTo("2001:db8:0:0:0:0:0:7");
    assertThat(proxies.resolve("fd12::1", List.of("[2001:db8::7]:4711")))
        .isEqualTo("2001:db8:0:0:0:0:0:7");
    // One client, however it is spelled, is one key.
    assertThat(trusting().resolve("::1", List.of())).isEqualTo("0:0:0:0:0:0:0:1");
    // An IPv4 address is never in an IPv6 block, nor the other way round.
    assertThat(trusting("::/0").resolve("10.0.0.1", List.of("1.2.3.4"))).isEqualTo("10.0.0.1");
    assertThat(trusting("0.0.0.0/0").resolve("fd00::1", List.of("1.2.3.4")))
        .isEqualTo("fd00:0:0:0:0:0:0:1");
  }

  @Test
  void ipv4WithAPortIsRead() {
    assertThat(trusting("127.0.0.1").resolve("127.0.0.1", List.of("198.51.100.1:5100")))
        .isEqualTo("198.51.100.1");
  }

  @Test
  void aMalformedEntryEndsTheWalkAtTheLastTrustedProxy() {
    ClientAddress proxies = trusting("10.0.0.0/8");
    for (String bad :
        List.of(
            "evil.example.com",
            "unknown",
            "",
            " ",
            "1.2.3",
            "0x7f.0.0.1",
            "999.1.1.1",
            "fe80::1%eth0",
            "[::1",
            "1.2.3.4\u0000",
            "x".repeat(10_000))) {
      assertThat(proxies.resolve("10.0.0.2", List.of("198.51.100.1, " + bad)))
          .as("%s", bad)
          .isEqualTo("10.0.0.2");
      assertThat(proxies.resolve("10.0.0.2", List.of("198.51.100.1, 10.0.0.3, " + bad)))
          .as("%s", bad)
          .isEqualTo("10.0.0.2");
    }
    // A malformed entry left of the client does not matter: the walk stops before it.
    assertThat(proxies.resolve("10.0.0.2", List.of("garbage, 198.51.100.1")))
        .isEqualTo("198.51.100.1");
  }

  @Test
  void readsTheRequestsPeerAndHeaders() {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setRemoteAddr("127.0.0.1");
    request.addHeader("X-Forwarded-For", "198.51.100.1");
    request.addHeader("X-Forwarded-For", "198.51.100.2");
    assertThat(trusting("127.0.0.1").of(request)).isEqualTo("198.51.100.2");
    assertThat(trusting().of(request)).isEqualTo("127.0.0.1");
  }

  @Test
  void theCurrentRequestsAddressIsResolvedTheSameWay() {
    MockHttpServletRequest request = new MockHttpServletRequest();
    request.setRemoteAddr("127.0.0.1");
    request.addHeader("X-Forwarded-For", "198.51.100.1");
    assertThat(trusting("127.0.0.1").current()).isEmpty();
    RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
    try {
      assertThat(trusting("127.0.0.1").current()).contains("198.51.100.1");
      assertThat(trusting().current()).contains("127.0.0.1");
    } finally {
      RequestContextHolder.resetRequestAttributes();
    }
  }

  @Test
  void settingsAreAddressesOrCidrBlocks() {
    assertThat(AddressBlock.parse("10.0.0.0/8").toString()).isEqualTo("10.0.0.0/8");
    assertThat(AddressBlock.parse(" 192.0.2.1 ").toString()).isEqualTo("192.0.2.1");
    assertThat(AddressBlock.parse("2001:db8::/32").toString()).isEqualTo("2001:db8:0:0:0:0:0:0/32");
    assertThat(AddressBlock.parse("172.16.0.0/12").contains(ip("172.31.255.255"))).isTrue();
    assertThat(AddressBlock.parse("172.16.0.0/12").contains(ip("172.32.0.0"))).isFalse();
    assertThat(AddressBlock.parse("0.0.0.0/0").contains(ip("203.0.113.1"))).isTrue();
    for (String bad :
        List.of(
            "", "proxy.example.com", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "1.2")) {
      assertThatThrownBy(() -> AddressBlock.parse(bad))
          .as("%s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
  }

  @Test
  void refusesToStartWithSpringsForwardedHeadersToo() {
    HttpProperties properties = new HttpProperties(List.of("10.0.0.0/8"));
    MockEnvironment env = new MockEnvironment();
    env.setProperty("server.forward-headers-strategy", "native");
    assertThatThrownBy(() -> new ClientAddress(properties, env))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("server.forward-headers-strategy=native");
    new ClientAddress(new HttpProperties(List.of()), env);
    new ClientAddress(properties, new MockEnvironment());
  }

  private static java.net.InetAddress ip(String text) {
    return Addresses.literal(text).orElseThrow();
  }
}
