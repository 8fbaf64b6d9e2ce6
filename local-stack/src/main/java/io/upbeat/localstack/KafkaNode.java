package io.upbeat.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One node of a multi-node KRaft cluster (broker and controller in one process) in a JVM of its
 * own, so that a test can kill it with SIGKILL and start it again on the same log directory, as a
 * cluster drill does with a real broker. Three of these with the same voters and cluster id are a
 * cluster with a controller quorum of three.
 *
 * <p>Run as {@code java -cp <local-stack's classpath> io.upbeat.localstack.KafkaNode <arguments>},
 * the arguments from {@link Settings#arguments()}. It prints {@link #READY} and the node's {@code
 * host:port} once its broker is unfenced. It stops cleanly on SIGTERM, and by itself when its
 * standard input ends (the pipe from the process that started it closes when that process dies), so
 * a crashed test leaves no broker behind.
 *
 * <p>The cluster's own topics are replicated as production needs them (factor 3, two in sync):
 * every node must be given the same three voters.
 */
public final class KafkaNode {
  /** The line's start printed once the node serves clients. */
  public static final String READY = "KAFKA NODE READY ";

  private KafkaNode() {}

  /**
   * Where and as whom a node runs.
   *
   * @param nodeId the node's id, one of those in {@code voters}
   * @param logDir its data; formatted at the first start, kept across restarts
   * @param brokerPort clients' port on 127.0.0.1
   * @param controllerPort the controller quorum's port on 127.0.0.1
   * @param voters {@code controller.quorum.voters}: {@code id@127.0.0.1:port,...} of every node
   * @param clusterId the id every node of the cluster is formatted with ({@code
   *     org.apache.kafka.common.Uuid.randomUuid()})
   */
  public record Settings(
      int nodeId,
      Path logDir,
      int brokerPort,
      int controllerPort,
      String voters,
      String clusterId) {
    public Settings {
      Objects.requireNonNull(logDir, "log dir");
      Objects.requireNonNull(voters, "voters");
      Objects.requireNonNull(clusterId, "cluster id");
      if (java.util.Arrays.stream(voters.split(","))
          .noneMatch(voter -> voter.startsWith(nodeId + "@"))) {
        throw new IllegalArgumentException(
            "node " + nodeId + " is not one of the voters " + voters);
      }
    }

    /** The command-line arguments {@link #main} reads back as these settings. */
    public List<String> arguments() {
      return List.of(
          "--node-id",
          String.valueOf(nodeId),
          "--log-dir",
          logDir.toAbsolutePath().toString(),
          "--broker-port",
          String.valueOf(brokerPort),
          "--controller-port",
          String.valueOf(controllerPort),
          "--voters",
          voters,
          "--cluster-id",
          clusterId);
    }

    /** The settings {@link #arguments()} wrote; an unknown or missing one is an error. */
    static Settings parse(List<String> args) {
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < args.size(); i += 2) {
        String name = args.get(i);
        if (!name.startsWith("--") || i + 1 >= args.size()) {
          throw new IllegalArgumentException("expected --name value pairs, got " + args);
        }
        values.put(name.substring(2), args.get(i + 1));
      }
      List<String> known =
          List.of("node-id", "log-dir", "broker-port", "controller-port", "voters", "cluster-id");
      List<String> unknown = new ArrayList<>(values.keySet());
      unknown.removeAll(known);
      List<String> missing = new ArrayList<>(known);
      missing.removeAll(values.keySet());
      if (!unknown.isEmpty() || !missing.isEmpty()) {
        throw new IllegalArgumentException("unknown " + unknown + ", missing " + missing);
      }
      return new Settings(
          Integer.parseInt(values.get("node-id")),
          Path.of(values.get("log-dir")),
          Integer.parseInt(values.get("broker-port")),
          Integer.parseInt(values.get("controller-port")),
          values.get("voters"),
          values.get("cluster-id"));
    }
  }

  /** The settings of a three-or-more-node cluster's own topics and of the topics it creates. */
  static Map<String, String> replicated() {
    return Map.of(
        "offsets.topic.replication.factor", "3",
        "transaction.state.log.replication.factor", "3",
        "transaction.state.log.min.isr", "2",
        "share.coordinator.state.topic.replication.factor", "3",
        "share.coordinator.state.topic.min.isr", "2",
        "default.replication.factor", "3",
        "min.insync.replicas", "2");
  }

  public static void main(String[] args) throws IOException {
    Settings settings;
    try {
      settings = Settings.parse(List.of(args));
    } catch (IllegalArgumentException e) {
      System.err.println("KafkaNode: " + e.getMessage());
      System.exit(2);
      return;
    }
    KafkaBroker broker =
        KafkaBroker.startClusterNode(
            settings.logDir(),
            replicated(),
            settings.brokerPort(),
            settings.controllerPort(),
            new KafkaBroker.Member(settings.nodeId(), settings.voters(), settings.clusterId()));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-node-stop"));
    System.out.println(READY + settings.nodeId() + " " + broker.bootstrapServers());
    System.out.flush();
    awaitEndOfInput(System.in);
    System.exit(0);
  }

  private static void awaitEndOfInput(InputStream in) {
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) != -1) {
        // Whatever arrives is ignored; only the end of the input matters.
      }
    } catch (IOException e) {
      // A broken pipe means the same as end-of-file.
    }
  }
}
