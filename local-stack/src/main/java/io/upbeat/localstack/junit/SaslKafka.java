package io.upbeat.localstack.junit;

import io.upbeat.localstack.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A second embedded broker, shared by the tests of one JVM, that clients reach only through a
 * SASL_PLAINTEXT listener with the PLAIN mechanism (see {@link KafkaBroker#startSaslPlain}): for
 * tests proving that every Kafka client of a service takes the security settings. Its one account
 * is {@link #USER}/{@link #PASSWORD}.
 */
public final class SaslKafka {
  public static final String USER = "upbeat";
  public static final String PASSWORD = "upbeat-secret";

  private static KafkaBroker shared;

  private SaslKafka() {}

  /** The shared secured broker, started on first use in a temporary directory. */
  public static synchronized KafkaBroker broker() {
    if (shared == null) {
      Path dir;
      try {
        dir = Files.createTempDirectory("upbeat-test-sasl-kafka");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      KafkaBroker broker = KafkaBroker.startSaslPlain(dir, Map.of(), Map.of(USER, PASSWORD));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    broker.close();
                    deleteRecursively(dir);
                  },
                  "upbeat-test-sasl-kafka-stop"));
      shared = broker;
    }
    return shared;
  }

  /** Settings of a plain Kafka client that logs in with {@code password}. */
  public static Map<String, Object> client(String password) {
    Map<String, Object> config = new HashMap<>(KafkaBroker.saslPlainClient(USER, password));
    config.put("bootstrap.servers", broker().bootstrapServers());
    return config;
  }

  /**
   * The Spring Boot properties that point every Kafka client of a service at the secured broker,
   * logging in with {@code password}: only {@code spring.kafka.*}, as an operator would set them.
   */
  public static Map<String, String> springProperties(String password) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("spring.kafka.bootstrap-servers", broker().bootstrapServers());
    KafkaBroker.saslPlainClient(USER, password)
        .forEach((k, v) -> props.put("spring.kafka.properties." + k, v));
    return props;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort at JVM exit
                }
              });
    } catch (IOException ignored) {
      // best effort at JVM exit
    }
  }
}
