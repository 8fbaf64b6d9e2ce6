package io.upbeat.api.notify;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps tenants' webhooks off the platform's own network: a target must be http or https, and every
 * address its host resolves to must be public. Loopback, private (RFC 1918, IPv6 unique local),
 * link-local (cloud metadata endpoints among them), carrier-grade NAT, "this network" and multicast
 * addresses are refused unless the operator allows private targets (self-hosting).
 */
final class TargetGuard {
  /** Resolves a host name; the real DNS in production, fixed answers in tests. */
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  static final Resolver DNS = InetAddress::getAllByName;

  private TargetGuard() {}

  /** Why the URL may not be called, or empty when it may. */
  static Optional<String> refuse(String url, boolean allowPrivate, Resolver resolver) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      return Optional.of("must be an absolute http or https URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials");
    }
    if (allowPrivate) {
      return Optional.empty();
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.of("names a host that does not resolve");
    }
    for (InetAddress a : addresses) {
      if (!isPublic(a)) {
        return Optional.of(
            "resolves to a loopback, private or link-local address, which is not allowed");
      }
    }
    return Optional.empty();
  }

  static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isAnyLocalAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) != 0xfc; // fc00::/7, unique local
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return first != 0 // 0.0.0.0/8
        && !(first == 100 && second >= 64 && second < 128) // 100.64.0.0/10, carrier-grade NAT
        && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24
        && !(first == 198 && (second == 18 || second == 19)) // 198.18.0.0/15, benchmarking
        && first < 240; // reserved and broadcast
  }
}
