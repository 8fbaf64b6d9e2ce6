package io.upbeat.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks loopback ports that are free right now. */
public final class FreePorts {
  private FreePorts() {}

  /** Below Linux's default ephemeral range (32768-60999), above most fixed service ports. */
  static final int FIRST = 20_000;

  static final int LAST = 32_000;

  /**
   * Ports this JVM handed out: never handed out twice, because a caller may pick several ports
   * before binding any (./upbeat dev's five), and a free port stays free until it is bound.
   */
  private static final java.util.Set<Integer> GIVEN = new java.util.HashSet<>();

  /**
   * Returns a port nobody listens on at the moment of the call, chosen at random below the kernel's
   * ephemeral range: a port the kernel hands out (for {@code bind(0)} and as the local port of
   * every outgoing connection, such as a JDBC or Kafka client's) could be taken by such a
   * connection before the caller binds it. Another process may still take it first, so callers that
   * bind later retry on a bind failure.
   */
  public static synchronized int pick() {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = random.nextInt(FIRST, LAST);
      if (!GIVEN.contains(port) && !inUse(port)) {
        GIVEN.add(port);
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /** Whether something on this machine already listens on the loopback port. */
  public static boolean inUse(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
