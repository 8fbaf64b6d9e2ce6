package io.upbeat.localstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import net.jpountz.lz4.LZ4Factory;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster (broker and KRaft controller in one process) running inside this
 * JVM, on Kafka's own server code. Its log directory is formatted once, as {@code kafka-storage
 * format} does, and kept: a broker started again on the same directory finds its topics, records
 * and committed offsets. Ports are chosen free at each start.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
  private static final int NODE_ID = 1;
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String SASL_LISTENER = "SASL_PLAINTEXT";
  private static final String SASL_SSL_LISTENER = "SASL_SSL";
  private static final int BIND_ATTEMPTS = 3;

  private final Path logDir;
  private final KafkaRaftServer server;
  private final int port;

  private KafkaBroker(Path logDir, KafkaRaftServer server, int port) {
    this.logDir = logDir;
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a broker whose data lives in {@code logDir}, formatting the directory first if it has
   * never been formatted. Blocks until the broker accepts clients.
   *
   * @param overrides broker settings that replace the defaults (e.g. {@code num.partitions})
   */
  public static KafkaBroker start(Path logDir, Map<String, String> overrides) {
    return start(logDir, overrides, 0, 0);
  }

  /**
   * Like {@link #start(Path, Map)} on fixed ports (0 = pick a free one), so a test can stop a
   * broker and bring it back where its clients expect it.
   */
  public static KafkaBroker start(
      Path logDir, Map<String, String> overrides, int fixedBrokerPort, int fixedControllerPort) {
    return start(logDir, overrides, fixedBrokerPort, fixedControllerPort, null);
  }

  /**
   * Like {@link #start(Path, Map)}, but clients can reach the broker only through a {@code
   * SASL_PLAINTEXT} listener with the PLAIN mechanism, as a secured cluster does: a client without
   * {@link #saslPlainClient} settings, or with a wrong password, cannot connect. (The KRaft
   * controller listener stays plaintext; it serves no client request.)
   *
   * @param users user name to password of the accounts clients may log in with
   */
  public static KafkaBroker startSaslPlain(
      Path logDir, Map<String, String> overrides, Map<String, String> users) {
    return start(logDir, overrides, 0, 0, new Security(Map.copyOf(users), null));
  }

  /**
   * Like {@link #startSaslPlain}, but the client listener is {@code SASL_SSL}: clients log in with
   * PLAIN over TLS, and must trust {@code tls}'s certificate (see {@link #saslSslClient}).
   */
  public static KafkaBroker startSaslSsl(
      Path logDir, Map<String, String> overrides, Map<String, String> users, SelfSignedTls tls) {
    return start(logDir, overrides, 0, 0, new Security(Map.copyOf(users), tls));
  }

  /**
   * The client settings ({@code spring.kafka.properties.*} or a plain client's config) that log in
   * as {@code user} over TLS, trusting {@code tls}'s certificate and checking the host name.
   */
  public static Map<String, String> saslSslClient(String user, String password, SelfSignedTls tls) {
    Map<String, String> config = new java.util.LinkedHashMap<>(saslPlainClient(user, password));
    config.put("security.protocol", SASL_SSL_LISTENER);
    config.put("ssl.truststore.location", tls.trustStore().toString());
    config.put("ssl.truststore.password", tls.password());
    config.put("ssl.truststore.type", "PKCS12");
    return config;
  }

  /** A secured client listener: SASL/PLAIN accounts, over TLS when {@code tls} is set. */
  private record Security(Map<String, String> users, SelfSignedTls tls) {
    String listener() {
      return tls == null ? SASL_LISTENER : SASL_SSL_LISTENER;
    }
  }

  /**
   * The SASL mechanism whose accounts a secured broker keeps in its metadata (created with {@code
   * Admin.alterUserScramCredentials}), beside the PLAIN accounts it is started with.
   */
  public static final String SCRAM_MECHANISM = "SCRAM-SHA-256";

  /**
   * The client settings ({@code spring.kafka.properties.*}) that log in as the SCRAM account {@code
   * user} (see {@link #SCRAM_MECHANISM}); {@code security.protocol} is the plaintext one.
   */
  public static Map<String, String> saslScramClient(String user, String password) {
    return Map.of(
        "security.protocol",
        SASL_LISTENER,
        "sasl.mechanism",
        SCRAM_MECHANISM,
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
  }

  /** The client settings ({@code spring.kafka.properties.*}) that log in as {@code user}. */
  public static Map<String, String> saslPlainClient(String user, String password) {
    return Map.of(
        "security.protocol",
        SASL_LISTENER,
        "sasl.mechanism",
        "PLAIN",
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
  }

  /**
   * Starts one node (broker and controller) of a cluster of several, on fixed ports, as {@link
   * KafkaNode} does in a JVM of its own: its directory is formatted once with the cluster's id, and
   * the controllers find each other through the static {@code controller.quorum.voters}. Blocks
   * until the broker is unfenced, which needs a majority of the voters running.
   */
  static KafkaBroker startClusterNode(
      Path logDir,
      Map<String, String> overrides,
      int brokerPort,
      int controllerPort,
      Member member) {
    return start(logDir, overrides, brokerPort, controllerPort, null, member);
  }

  /**
   * Who a node is in its cluster.
   *
   * @param nodeId the node's id, one of the voters'
   * @param voters {@code controller.quorum.voters}: {@code id@host:port,...} of every controller
   * @param clusterId the id every node's storage is formatted with
   */
  record Member(int nodeId, String voters, String clusterId) {}

  private static KafkaBroker start(
      Path logDir,
      Map<String, String> overrides,
      int fixedBrokerPort,
      int fixedControllerPort,
      Security security) {
    return start(logDir, overrides, fixedBrokerPort, fixedControllerPort, security, null);
  }

  /** {@code member} null: a cluster of this one node, its id formatted at random. */
  private static KafkaBroker start(
      Path logDir,
      Map<String, String> overrides,
      int fixedBrokerPort,
      int fixedControllerPort,
      Security security,
      Member member) {
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create Kafka log directory " + logDir, e);
    }
    RuntimeException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int brokerPort = fixedBrokerPort > 0 ? fixedBrokerPort : FreePorts.pick();
      int controllerPort = fixedControllerPort > 0 ? fixedControllerPort : FreePorts.pick();
      Member self =
          member != null
              ? member
              : new Member(
                  NODE_ID, NODE_ID + "@127.0.0.1:" + controllerPort, Uuid.randomUuid().toString());
      KafkaConfig config = config(logDir, brokerPort, controllerPort, overrides, security, self);
      formatOnce(logDir, self);
      useNativeLz4();
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
        log.info("Kafka broker on 127.0.0.1:{} with data in {}", brokerPort, logDir);
        return new KafkaBroker(logDir, server, brokerPort);
      } catch (RuntimeException e) {
        // Most likely a port taken between pick() and bind: shut down what started, try new ports.
        last = e;
        log.warn("Kafka broker failed to start (attempt {}): {}", attempt, e.toString());
        server.shutdown();
        server.awaitShutdown();
      }
    }
    throw new IllegalStateException("Kafka broker did not start in " + logDir, last);
  }

  private static KafkaConfig config(
      Path logDir,
      int brokerPort,
      int controllerPort,
      Map<String, String> overrides,
      Security security,
      Member member) {
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", String.valueOf(member.nodeId()));
    // Static voters: the controller's port may change between starts without re-formatting.
    props.put("controller.quorum.voters", member.voters());
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://127.0.0.1:"
            + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toAbsolutePath().toString());
    // One node: every internal topic has one replica.
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "4");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    // Services declare the topics they use, with their partition counts and settings.
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "4");
    // A producer's next transaction starts while the broker still writes the last one's commit
    // markers; the broker then retries adding the partition after this backoff. Kafka's 20 ms
    // default doubled the time of intake's back-to-back transactions (docs/benchmarks.md, M11
    // session 16); the retry is a local check, so 1 ms costs no measurable CPU.
    props.put("add.partitions.to.txn.retry.backoff.ms", "1");
    if (security != null) {
      secure(props, brokerPort, controllerPort, security);
    }
    props.putAll(overrides);
    return KafkaConfig.fromProps(props, false);
  }

  /**
   * The client listener becomes SASL_PLAINTEXT/PLAIN (or SASL_SSL with TLS); the broker logs in to
   * itself as "broker", over TLS too, trusting its own certificate.
   */
  private static void secure(
      Properties props, int brokerPort, int controllerPort, Security security) {
    String listener = security.listener();
    String brokerPassword = "broker-" + Uuid.randomUuid();
    props.put(
        "listeners",
        listener
            + "://127.0.0.1:"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://127.0.0.1:"
            + controllerPort);
    props.put("advertised.listeners", listener + "://127.0.0.1:" + brokerPort);
    props.put(
        "listener.security.protocol.map",
        listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("inter.broker.listener.name", listener);
    // SCRAM too: its accounts live in the cluster's metadata, so a test can create one while a
    // client is already trying to log in with it (credentials created late).
    props.put("sasl.enabled.mechanisms", "PLAIN," + SCRAM_MECHANISM);
    props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    if (security.tls() != null) {
      SelfSignedTls tls = security.tls();
      props.put("ssl.keystore.location", tls.keyStore().toString());
      props.put("ssl.keystore.password", tls.password());
      props.put("ssl.key.password", tls.password());
      props.put("ssl.keystore.type", "PKCS12");
      props.put("ssl.truststore.location", tls.trustStore().toString());
      props.put("ssl.truststore.password", tls.password());
      props.put("ssl.truststore.type", "PKCS12");
    }
    StringBuilder jaas =
        new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
            .append(" username=\"broker\" password=\"")
            .append(brokerPassword)
            .append("\" user_broker=\"")
            .append(brokerPassword)
            .append('"');
    security
        .users()
        .forEach(
            (user, password) ->
                jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
    String prefix = "listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + ".";
    props.put(prefix + "plain.sasl.jaas.config", jaas.append(';').toString());
    props.put(
        prefix + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
  }

  private static void formatOnce(Path logDir, Member member) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(member.nodeId())
          .setClusterId(member.clusterId())
          .setDirectories(List.of(logDir.toAbsolutePath().toString()))
          .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .run();
      log.info("Formatted Kafka storage in {}", logDir);
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka storage in " + logDir, e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public Path logDir() {
    return logDir;
  }

  /**
   * Stops the broker cleanly (controlled shutdown, logs flushed), so a restart recovers nothing.
   */
  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    log.info("Kafka broker stopped");
  }

  /**
   * The broker decompresses every LZ4 batch it validates with {@code LZ4Factory.fastestInstance()},
   * which picks lz4-java's JNI codec only once it is loaded (or when lz4-java is on the system
   * class loader, which it is not in the launcher's Spring Boot jar): load it, or keep the slower
   * Java codec where the platform has no native library. (The services do the same through
   * service-support's {@code NativeLz4}; this module does not depend on it.)
   */
  private static void useNativeLz4() {
    try {
      LZ4Factory.nativeInstance();
    } catch (Throwable unavailable) { // UnsatisfiedLinkError: no library for this platform
      log.info(
          "lz4-java has no native codec here ({}); Kafka uses its Java codec",
          unavailable.toString());
    }
  }
}
