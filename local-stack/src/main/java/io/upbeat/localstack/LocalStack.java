package io.upbeat.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Kafka and PostgreSQL together, as Upbeat's services need them. {@link #startPersistent} keeps
 * everything under one data directory across restarts ({@code ./upbeat dev}); {@link #shared()}
 * starts a throw-away stack in a temporary directory once per JVM, for integration tests.
 */
public final class LocalStack implements AutoCloseable {
  private static final Object LOCK = new Object();
  private static LocalStack shared;

  private final PostgresServer postgres;
  private final KafkaBroker kafka;
  private final Path deleteOnClose;

  private LocalStack(PostgresServer postgres, KafkaBroker kafka, Path deleteOnClose) {
    this.postgres = postgres;
    this.kafka = kafka;
    this.deleteOnClose = deleteOnClose;
  }

  /** Starts both servers with their data under {@code dataDir}, kept when they stop. */
  public static LocalStack startPersistent(Path dataDir) {
    return start(dataDir, true, null);
  }

  /**
   * The stack shared by every test of this JVM, started on first use in a temporary directory and
   * stopped (and its directory deleted) when the JVM exits.
   */
  public static LocalStack shared() {
    synchronized (LOCK) {
      if (shared == null) {
        Path dir;
        try {
          dir = Files.createTempDirectory("upbeat-test-stack");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        shared = start(dir, false, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "upbeat-test-stack-stop"));
      }
      return shared;
    }
  }

  private static LocalStack start(Path dataDir, boolean keepData, Path deleteOnClose) {
    PostgresServer postgres =
        PostgresServer.start(dataDir.resolve("postgres"), dataDir.resolve("pg-runtime"), keepData);
    try {
      // Durability settings stay at Kafka's defaults; tests only shorten what makes them slow.
      Map<String, String> overrides =
          keepData ? Map.of() : Map.of("log.flush.scheduler.interval.ms", "60000");
      KafkaBroker kafka = KafkaBroker.start(dataDir.resolve("kafka"), overrides);
      return new LocalStack(postgres, kafka, deleteOnClose);
    } catch (RuntimeException e) {
      postgres.close();
      throw e;
    }
  }

  public PostgresServer postgres() {
    return postgres;
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  /** Stops Kafka, then PostgreSQL, each cleanly; deletes the directory of a throw-away stack. */
  @Override
  public void close() {
    try {
      kafka.close();
    } finally {
      postgres.close();
      if (deleteOnClose != null) {
        deleteRecursively(deleteOnClose);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary directory is harmless.
    }
  }
}
