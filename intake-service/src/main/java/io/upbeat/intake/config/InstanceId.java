package io.upbeat.intake.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Names one running intake instance, stably across its restarts: its Kafka transactional ids are
 * built from it, so a restarted instance fences the transaction its crashed predecessor left open
 * (Kafka aborts it when the new producer calls {@code initTransactions}) instead of leaving
 * read_committed readers (the processor) stuck behind it until the transaction timeout.
 *
 * <p>Configured as {@code upbeat.intake.instance-id}; by default the host name (a Kubernetes pod's
 * name) and the HTTP port, so two instances on one host never share it. With a random port (0, as
 * in tests) there is no stable name to take, and a random one is used.
 */
final class InstanceId {
  private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private InstanceId() {}

  /**
   * @param configured {@code upbeat.intake.instance-id}, or null/blank for the default
   * @param host this machine's host name (the pod name on Kubernetes)
   * @param port the configured HTTP port, 0 for a random one
   */
  static String resolve(String configured, String host, int port) {
    if (configured != null && !configured.isBlank()) {
      if (!LEGAL.matcher(configured).matches()) {
        throw new IllegalArgumentException(
            "upbeat.intake.instance-id must be 1 to 200 of letters, digits, '.', '_', '-': "
                + configured);
      }
      return configured;
    }
    String safeHost = host == null ? "" : host.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safeHost.isEmpty()) {
      safeHost = "intake";
    }
    if (port <= 0) {
      return safeHost + "-" + UUID.randomUUID();
    }
    return safeHost.substring(0, Math.min(safeHost.length(), 180)) + "-" + port;
  }

  /** The host name: {@code HOSTNAME} (set to the pod name by Kubernetes), else the resolver's. */
  static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "intake";
    }
  }
}
