package io.upbeat.localstack.junit;

import io.upbeat.localstack.KafkaBroker;
import io.upbeat.localstack.SelfSignedTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * A second embedded broker, shared by the tests of one JVM, that clients reach only through a
 * SASL_SSL listener with the PLAIN mechanism (see {@link KafkaBroker#startSaslSsl}): TLS with a
 * self-signed certificate for 127.0.0.1 that clients must be told to trust, and a login. For tests
 * proving that every Kafka client of a service takes the security settings, TLS ones included. Its
 * one account is {@link #USER}/{@link #PASSWORD}.
 */
public final class SaslKafka {
  public static final String USER = "upbeat";
  public static final String PASSWORD = "upbeat-secret";

  private static KafkaBroker shared;
  private static SelfSignedTls tls;

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
      tls = SelfSignedTls.create(dir.resolve("tls"));
      KafkaBroker broker =
          KafkaBroker.startSaslSsl(dir.resolve("kafka"), Map.of(), Map.of(USER, PASSWORD), tls);
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
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", broker().bootstrapServers());
    config.putAll(KafkaBroker.saslSslClient(USER, password, tls));
    return config;
  }

  /**
   * The Spring Boot properties that point every Kafka client of a service at the secured broker,
   * logging in with {@code password}: only {@code spring.kafka.*}, as an operator would set them
   * (Boot's own {@code security.protocol} and {@code ssl.trust-store-*} settings, and the SASL
   * login under {@code properties}).
   */
  public static Map<String, String> springProperties(String password) {
    return springProperties(KafkaBroker.saslPlainClient(USER, password));
  }

  /**
   * Like {@link #springProperties(String)}, logging in as the SCRAM account {@code user}, which
   * need not exist yet ({@link #createScramAccount}).
   */
  public static Map<String, String> springPropertiesScram(String user, String password) {
    return springProperties(KafkaBroker.saslScramClient(user, password));
  }

  private static Map<String, String> springProperties(Map<String, String> login) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("spring.kafka.bootstrap-servers", broker().bootstrapServers());
    props.put("spring.kafka.security.protocol", "SASL_SSL");
    props.put("spring.kafka.ssl.trust-store-location", tls.trustStore().toUri().toString());
    props.put("spring.kafka.ssl.trust-store-password", tls.password());
    props.put("spring.kafka.ssl.trust-store-type", "PKCS12");
    login.entrySet().stream()
        .filter(e -> !e.getKey().equals("security.protocol"))
        .forEach(e -> props.put("spring.kafka.properties." + e.getKey(), e.getValue()));
    return props;
  }

  /**
   * Creates the SCRAM account {@code user} on the secured broker, as an operator does with {@code
   * kafka-configs.sh --alter --add-config SCRAM-SHA-256=[...]}, logged in as {@link #USER}.
   */
  public static void createScramAccount(String user, String password) {
    try (Admin admin = Admin.create(client(PASSWORD))) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not create the SCRAM account " + user, e);
    }
  }

  /** The certificate the broker presents, and the trust store clients need for it. */
  public static synchronized SelfSignedTls tls() {
    broker();
    return tls;
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
