package io.upbeat.api.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** IP address literals as they appear in {@code X-Forwarded-For} and in settings. */
final class Addresses {
  private Addresses() {}

  /**
   * The address {@code text} spells, without any DNS look-up: {@code 203.0.113.7}, {@code
   * 2001:db8::1}, or either with a port as some proxies write them ({@code 203.0.113.7:5100},
   * {@code [2001:db8::1]:5100}). Empty for anything else, host names included.
   */
  static Optional<InetAddress> literal(String text) {
    String value = text.strip();
    if (value.isEmpty() || value.length() > 64) {
      return Optional.empty();
    }
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || !(close == value.length() - 1 || value.charAt(close + 1) == ':')) {
        return Optional.empty();
      }
      value = value.substring(1, close);
      if (value.indexOf(':') < 0) {
        return Optional.empty();
      }
    } else if (value.indexOf(':') == value.lastIndexOf(':') && value.indexOf('.') > 0) {
      // One colon after a dotted quad: an IPv4 address with a port.
      int colon = value.indexOf(':');
      value = colon < 0 ? value : value.substring(0, colon);
    }
    try {
      return value.indexOf(':') >= 0 ? ipv6(value) : ipv4(value);
    } catch (UnknownHostException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A dotted quad only, not the legacy forms ("10.1", "0x7f.0.0.1") Java also reads. */
  private static Optional<InetAddress> ipv4(String value) throws UnknownHostException {
    if (!value.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      return Optional.empty();
    }
    String[] parts = value.split("\\.");
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      int octet = Integer.parseInt(parts[i]);
      if (octet > 255) {
        return Optional.empty();
      }
      bytes[i] = (byte) octet;
    }
    return Optional.of(InetAddress.getByAddress(bytes));
  }

  /**
   * Hexadecimal digits, colons and dots only (no zone, no host name), starting with a digit or a
   * colon: {@link InetAddress#getByName} then parses it as a literal and never asks DNS.
   */
  private static Optional<InetAddress> ipv6(String value) throws UnknownHostException {
    if (!value.matches("[0-9A-Fa-f:][0-9A-Fa-f:.]*")) {
      return Optional.empty();
    }
    return Optional.of(InetAddress.getByName(value));
  }

  /** The canonical text of {@code address}, so one client is one key however it was written. */
  static String canonical(InetAddress address) {
    return address.getHostAddress();
  }
}
