package io.upbeat.api.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The address a request comes from, for the login throttle, the audit log and anything else that
 * keys on clients.
 *
 * <p>{@code X-Forwarded-For} is written by whoever sends the request, so it is believed only as far
 * as it was written by proxies listed in {@code upbeat.http.trusted-proxies}: when the TCP peer is
 * one of them, the header is read from the right (each proxy appends the address it was called
 * from) and the client is the right-most address that is not itself a trusted proxy. Everything to
 * the left of it was written by the client and is ignored, so a guesser cannot dodge the
 * per-address limit by sending a different header each time. When the peer is not trusted (the
 * default: no proxies are), the header is ignored altogether.
 *
 * <p>Spring Boot's {@code server.forward-headers-strategy} would rewrite the peer address before
 * this class sees it ({@code framework} believes every sender, {@code native} every private
 * address), so the two cannot be combined: the api-service refuses to start with both set.
 */
@Component
public class ClientAddress {
  static final String FORWARDED_FOR = "X-Forwarded-For";

  private final List<AddressBlock> trusted;

  @Autowired
  ClientAddress(HttpProperties properties, Environment environment) {
    this(properties.trustedProxies().stream().map(AddressBlock::parse).toList());
    String strategy = environment.getProperty("server.forward-headers-strategy", "none");
    if (!trusted.isEmpty() && !strategy.equalsIgnoreCase("none")) {
      throw new IllegalStateException(
          "upbeat.http.trusted-proxies and server.forward-headers-strategy=%s both rewrite the client address; set only upbeat.http.trusted-proxies"
              .formatted(strategy));
    }
  }

  ClientAddress(List<AddressBlock> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  /** The current request's client address; empty outside a request (a background job). */
  public Optional<String> current() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (attributes instanceof ServletRequestAttributes servlet) {
      return Optional.ofNullable(of(servlet.getRequest()));
    }
    return Optional.empty();
  }

  /** The client's address, in canonical form ({@code 0:0:0:0:0:0:0:1}, not {@code ::1}). */
  public String of(HttpServletRequest request) {
    List<String> headers =
        trusted.isEmpty() ? List.of() : Collections.list(request.getHeaders(FORWARDED_FOR));
    return resolve(request.getRemoteAddr(), headers);
  }

  /**
   * The client behind {@code peer}, given the {@code X-Forwarded-For} header lines in the order
   * received. A malformed entry ends the walk: nothing left of it can be attributed, so the last
   * trusted proxy before it stands for the client.
   */
  String resolve(String peer, List<String> forwardedFor) {
    Optional<InetAddress> parsedPeer = Addresses.literal(peer);
    if (parsedPeer.isEmpty()) {
      return peer;
    }
    InetAddress current = parsedPeer.get();
    List<String> hops = new ArrayList<>();
    for (String line : forwardedFor) {
      for (String entry : line.split(",", -1)) {
        hops.add(entry);
      }
    }
    for (int i = hops.size() - 1; i >= 0 && isTrusted(current); i--) {
      Optional<InetAddress> hop = Addresses.literal(hops.get(i));
      if (hop.isEmpty()) {
        break;
      }
      current = hop.get();
    }
    return Addresses.canonical(current);
  }

  private boolean isTrusted(InetAddress address) {
    for (AddressBlock block : trusted) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
