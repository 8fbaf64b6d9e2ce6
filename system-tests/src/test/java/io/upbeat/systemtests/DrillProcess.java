package io.upbeat.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One process of the cluster drill (a Kafka node or a service instance) in a JVM of its own, which
 * the drill starts, kills with SIGKILL, stops gracefully and starts again on the same ports and
 * data. Its standard input is a pipe the test never writes to: when the test's JVM dies, the pipe
 * ends and the child stops by itself (services through {@code upbeat.dev.exit-with-parent}, Kafka
 * nodes by their own watch), so a crashed run leaves nothing behind.
 */
final class DrillProcess {
  /**
   * Small heaps and a quick JIT: three brokers and seven services share two cores with the test.
   */
  static final List<String> JVM_OPTIONS =
      List.of(
          "-Xms32m",
          "-Xmx320m",
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Xshare:auto",
          "-XX:+ExitOnOutOfMemoryError",
          "--sun-misc-unsafe-memory-access=allow",
          "--enable-native-access=ALL-UNNAMED");

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final List<String> arguments;
  private final Map<String, String> env;
  private final Path log;
  private final int port;
  private final Predicate<DrillProcess> ready;
  private Process process;
  private volatile boolean expectedUp;

  private DrillProcess(
      String name,
      List<String> arguments,
      Map<String, String> env,
      Path log,
      int port,
      Predicate<DrillProcess> ready) {
    this.name = name;
    this.port = port;
    this.arguments = List.copyOf(arguments);
    this.env = new LinkedHashMap<>(env);
    this.log = log;
    this.ready = ready;
  }

  /** A service jar ({@code java -jar}), ready when its readiness probe on {@code port} is 200. */
  static DrillProcess service(String name, Path jar, int port, Map<String, String> env, Path logs) {
    Map<String, String> all = new LinkedHashMap<>(env);
    all.put("SERVER_PORT", String.valueOf(port));
    all.put("SERVER_ADDRESS", "127.0.0.1");
    all.put("UPBEAT_DEV_EXIT_WITH_PARENT", "true");
    return new DrillProcess(
        name,
        List.of("-jar", jar.toString()),
        all,
        logs.resolve(name + ".log"),
        port,
        p -> p.probe("/actuator/health/readiness") == 200);
  }

  /** A main class on this JVM's classpath, ready once its log has a line starting {@code line}. */
  static DrillProcess main(
      String name, Class<?> mainClass, List<String> args, String line, Path logs) {
    List<String> arguments = new ArrayList<>();
    arguments.add("-cp");
    arguments.add(System.getProperty("java.class.path"));
    arguments.add(mainClass.getName());
    arguments.addAll(args);
    return new DrillProcess(
        name, arguments, Map.of(), logs.resolve(name + ".log"), 0, p -> p.logHasLineStarting(line));
  }

  String name() {
    return name;
  }

  /** Starts the process (again, after a kill or stop, with the same settings plus {@code env}). */
  synchronized void start(Map<String, String> changedEnv) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    env.putAll(changedEnv);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(arguments);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    try {
      appendMarker("start");
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  void start() {
    start(Map.of());
  }

  /** SIGKILL: no shutdown hook, no flush, no goodbye to Kafka's group or controller. */
  synchronized void kill() {
    expectedUp = false;
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /** SIGTERM and wait: Spring's graceful shutdown, Kafka's controlled shutdown. */
  synchronized void stop() {
    expectedUp = false;
    process.destroy();
    if (!awaitExit(Duration.ofSeconds(60))) {
      throw new IllegalStateException(name + " did not stop within 60 s of SIGTERM");
    }
  }

  /** At the end of the drill: whatever still runs is killed. */
  synchronized void destroy() {
    expectedUp = false;
    if (process != null) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(30));
    }
  }

  private boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits until the process is ready; fails at once, with its log's end, if it died. */
  void awaitReady(Duration timeout) {
    await(name + " ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    name
                        + " exited with "
                        + process.exitValue()
                        + "; its log ends with:\n"
                        + tail());
              }
              return ready.test(this);
            });
    expectedUp = true;
  }

  /** Whether the drill expects the process up now (started and ready, not being stopped). */
  boolean expectedUp() {
    return expectedUp;
  }

  /** The HTTP status of a service's {@code path} (e.g. a health probe), or -1 if no answer. */
  int probe(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private boolean logHasLineStarting(String line) {
    try {
      // Only this run's lines: after the last marker written at start. (Latin-1 reads any byte.)
      List<String> all = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
      int lastStart = all.lastIndexOf(marker("start"));
      return all.subList(lastStart + 1, all.size()).stream().anyMatch(l -> l.startsWith(line));
    } catch (IOException e) {
      return false;
    }
  }

  private void appendMarker(String what) throws IOException {
    Files.writeString(
        log,
        marker(what) + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private String marker(String what) {
    return "==== drill: " + what + " " + name + " ====";
  }

  private String tail() {
    try {
      List<String> all = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }
}
