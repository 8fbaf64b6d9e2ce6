package io.upbeat.bench;

import io.upbeat.localstack.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts one service from its production jar in its own JVM, as ./upbeat dev would. */
public final class ServiceJar {
  private ServiceJar() {}

  /** The built jar of a service module; fails with the build command when it is missing. */
  public static Path of(Path root, String service) {
    Path jar = root.resolve(service + "/target/" + service + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + ": ./mvnw -B package -DskipTests first");
    }
    return jar;
  }

  /**
   * Starts the jar on {@code port} against the given Kafka and PostgreSQL (user and password {@code
   * upbeat}), output to {@code log}. Its management port (metrics) is a free one, so that it never
   * collides with a default one (9080, 9280) already taken on the machine.
   */
  public static Process start(
      Path jar, String javaOpts, int port, String kafka, String jdbcUrl, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(javaOpts.trim().split("\\s+")));
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment()
        .putAll(
            Map.of(
                "SERVER_PORT",
                String.valueOf(port),
                "MANAGEMENT_SERVER_PORT",
                String.valueOf(FreePorts.pick()),
                "SPRING_KAFKA_BOOTSTRAP_SERVERS",
                kafka,
                "SPRING_DATASOURCE_URL",
                jdbcUrl,
                "SPRING_DATASOURCE_USERNAME",
                "upbeat",
                "SPRING_DATASOURCE_PASSWORD",
                "upbeat"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  /**
   * Waits up to two minutes until the service at {@code base} is ready (its readiness probe answers
   * 200), failing at once if its process exits.
   */
  public static void awaitReady(HttpClient http, String base, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service at " + base + " exited");
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("the service at " + base + " was not ready in 120 s");
  }
}
