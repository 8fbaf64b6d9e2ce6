package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./upbeat dev} as a developer runs it, for the system tests: the real script and jars on
 * free ports, its output echoed (prefixed) and kept for assertions.
 */
final class UpbeatDev implements AutoCloseable {
  static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final Pattern INFRA = Pattern.compile("postgres=(\\S+) kafka=(\\S+)");
  private static final Pattern MANAGEMENT =
      Pattern.compile("^MANAGEMENT api=(\\S+) intake=(\\S+) processor=(\\S+)");

  final Process process;
  final int apiPort;
  final int intakePort;
  final int processorPort;
  final List<String> output = new CopyOnWriteArrayList<>();
  volatile String jdbcUrl;
  volatile String kafka;

  /** Base URLs of the management ports (metrics, full actuator), from the launcher's output. */
  volatile String apiManagementUrl;

  volatile String intakeManagementUrl;
  volatile String processorManagementUrl;

  private UpbeatDev(Process process, int apiPort, int intakePort, int processorPort) {
    this.process = process;
    this.apiPort = apiPort;
    this.intakePort = intakePort;
    this.processorPort = processorPort;
    Thread.ofPlatform().daemon().name("upbeat-dev-output").start(this::readOutput);
  }

  /** Starts it on free ports and waits for its READY line. */
  static UpbeatDev start(Path dataDir, String... extraArgs) throws IOException {
    return start(dataDir, FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), extraArgs);
  }

  static UpbeatDev start(Path dataDir, int api, int intake, int processor, String... extraArgs)
      throws IOException {
    return start(dataDir, java.util.Map.of(), api, intake, processor, extraArgs);
  }

  /**
   * Starts it on free ports with {@code env} added to the environment the services inherit (their
   * Spring Boot settings, e.g. {@code SPRING_MAIL_HOST}), and waits for its READY line.
   */
  static UpbeatDev start(Path dataDir, java.util.Map<String, String> env, String... extraArgs)
      throws IOException {
    return start(dataDir, env, FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), extraArgs);
  }

  private static UpbeatDev start(
      Path dataDir,
      java.util.Map<String, String> env,
      int api,
      int intake,
      int processor,
      String... extraArgs)
      throws IOException {
    UpbeatDev dev =
        new UpbeatDev(
            launch(dataDir, env, api, intake, processor, extraArgs), api, intake, processor);
    try {
      dev.awaitLine("READY ", START_TIMEOUT);
    } catch (RuntimeException | Error e) {
      dev.close();
      throw e;
    }
    assertThat(dev.jdbcUrl).as("infrastructure line").isNotNull();
    assertThat(dev.apiManagementUrl).as("management line").isNotNull();
    return dev;
  }

  /**
   * Starts it on free ports without waiting: the caller holds it (to stop it with {@link
   * #shutDown}) while it waits for READY with {@link #awaitLine}.
   */
  static UpbeatDev starting(Path dataDir, String... extraArgs) throws IOException {
    return starting(dataDir, java.util.Map.of(), extraArgs);
  }

  /** Like {@link #starting(Path, String...)}, with {@code env} added to the services' own. */
  static UpbeatDev starting(Path dataDir, java.util.Map<String, String> env, String... extraArgs)
      throws IOException {
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    int processor = FreePorts.pick();
    return new UpbeatDev(
        launch(dataDir, env, api, intake, processor, extraArgs), api, intake, processor);
  }

  /**
   * Starts the script without waiting for anything. The management ports are free ones too, unless
   * {@code extraArgs} names them.
   */
  static Process launch(Path dataDir, int api, int intake, int processor, String... extraArgs)
      throws IOException {
    return launch(dataDir, java.util.Map.of(), api, intake, processor, extraArgs);
  }

  private static Process launch(
      Path dataDir,
      java.util.Map<String, String> env,
      int api,
      int intake,
      int processor,
      String... extraArgs)
      throws IOException {
    Path root = Repository.root();
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                root.resolve("upbeat").toString(),
                "dev",
                "--data-dir",
                dataDir.toString(),
                "--api-port",
                String.valueOf(api),
                "--intake-port",
                String.valueOf(intake),
                "--processor-port",
                String.valueOf(processor)));
    if (!List.of(extraArgs).contains("--api-management-port")) {
      command.addAll(List.of("--api-management-port", String.valueOf(FreePorts.pick())));
    }
    if (!List.of(extraArgs).contains("--intake-management-port")) {
      command.addAll(List.of("--intake-management-port", String.valueOf(FreePorts.pick())));
    }
    command.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.directory(root.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    // The build that runs this test has just built the jars; never nest a second build.
    pb.environment().put("UPBEAT_SKIP_BUILD", "1");
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  String apiUrl() {
    return "http://127.0.0.1:" + apiPort;
  }

  String intakeUrl() {
    return "http://127.0.0.1:" + intakePort;
  }

  /** The first output line starting with {@code prefix}, or null. */
  String line(String prefix) {
    return output.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
  }

  /** Waits for an output line starting with {@code prefix}; fails if the launcher exits first. */
  String awaitLine(String prefix, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .failFast(
            "upbeat dev exited; output:\n" + String.join("\n", output), () -> !process.isAlive())
        .until(() -> line(prefix) != null);
    return line(prefix);
  }

  /** SIGTERM, as Ctrl-C; returns the exit code. */
  int stop() throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(90, TimeUnit.SECONDS))
        .as("stopped within 90 s; output:%n%s", String.join("\n", output))
        .isTrue();
    return process.exitValue();
  }

  /**
   * SIGTERM, so that it stops its PostgreSQL (which is not in its process tree); kills what is left
   * only if it has not stopped within 90 s. For tests that do not check how it stops.
   */
  void shutDown() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        close();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Kills whatever is left (after a failed test). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        System.out.println("[upbeat dev] " + line);
        Matcher m = INFRA.matcher(line);
        if (m.find()) {
          jdbcUrl = m.group(1);
          kafka = m.group(2);
        }
        Matcher management = MANAGEMENT.matcher(line);
        if (management.find()) {
          apiManagementUrl = management.group(1);
          intakeManagementUrl = management.group(2);
          processorManagementUrl = management.group(3);
        }
        output.add(line);
      }
    } catch (IOException e) {
      // The process ended.
    }
  }
}
