package io.upbeat.api.web;

import java.net.InetAddress;
import java.util.Arrays;

/** One address or CIDR block of {@code upbeat.http.trusted-proxies}. */
record AddressBlock(byte[] network, int prefixLength) {
  AddressBlock {
    network = network.clone();
    if (prefixLength < 0 || prefixLength > network.length * 8) {
      throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
    }
  }

  /**
   * Parses {@code 192.168.1.10}, {@code 10.0.0.0/8}, {@code ::1} or {@code fd00::/8}. Only literal
   * addresses: a host name here would be looked up in DNS, whose answer an attacker may control.
   *
   * @throws IllegalArgumentException with the bad value, if it is not one of these
   */
  static AddressBlock parse(String text) {
    String value = text.strip();
    int slash = value.indexOf('/');
    InetAddress address =
        Addresses.literal(slash < 0 ? value : value.substring(0, slash))
            .orElseThrow(
                () -> new IllegalArgumentException("not an IP address or CIDR block: " + text));
    int bits = address.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = value.substring(slash + 1);
      if (!length.matches("[0-9]{1,3}") || Integer.parseInt(length) > bits) {
        throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
      }
      prefix = Integer.parseInt(length);
    }
    return new AddressBlock(address.getAddress(), prefix);
  }

  /** Whether {@code address} lies in this block (an IPv4 address never lies in an IPv6 block). */
  boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (candidate[full] & mask) == (network[full] & mask);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressBlock b
        && prefixLength == b.prefixLength
        && Arrays.equals(network, b.network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }

  @Override
  public String toString() {
    try {
      String host = InetAddress.getByAddress(network).getHostAddress();
      return network.length == 4 && prefixLength == 32
              || network.length == 16 && prefixLength == 128
          ? host
          : host + "/" + prefixLength;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
