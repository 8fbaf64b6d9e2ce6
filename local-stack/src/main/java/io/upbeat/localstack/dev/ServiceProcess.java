package io.upbeat.localstack.dev;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Upbeat service (or the demo's example app) running from its executable jar in a child JVM.
 */
final class ServiceProcess {
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final String name;
  private final int port;
  private final Path logFile;
  private final Process process;

  private ServiceProcess(String name, int port, Path logFile, Process process) {
    this.name = name;
    this.port = port;
    this.logFile = logFile;
    this.process = process;
  }

  /**
   * Starts {@code java [jvmOptions] -jar jar} with {@code env} added, output to {@code logFile}.
   */
  static ServiceProcess start(
      String name,
      Path jar,
      int port,
      List<String> jvmOptions,
      Map<String, String> env,
      Path logFile) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    try {
      return new ServiceProcess(name, port, logFile, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** The java binary running this launcher, so services run on the same JDK. */
  static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  String name() {
    return name;
  }

  int port() {
    return port;
  }

  Path logFile() {
    return logFile;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  /**
   * Whether the service answers its readiness probe with 200 now. Any connection problem is "not
   * yet".
   */
  boolean isReady(HttpClient http) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Asks the service to stop (SIGTERM: Spring's graceful shutdown) without waiting. */
  void requestStop() {
    process.destroy();
  }

  /** Waits for the service to exit; kills it (and what it started) if it overstays its grace. */
  void awaitStop() {
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The last {@code lines} lines of the service's log, to explain a failed start. */
  List<String> tail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of("(cannot read " + logFile + ": " + e.getMessage() + ")");
    }
  }
}
