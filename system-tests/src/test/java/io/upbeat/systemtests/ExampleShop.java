package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.junit.TestHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The example app ({@code example-app/target/example-app.jar}) in a child JVM with a third-party
 * agent attached and Upbeat's own starter off, for the real-agent tests. Its output goes to a log
 * file, printed when it does not start.
 *
 * @param process the JVM
 * @param url its base URL, on a free port
 * @param log where its output goes
 */
record ExampleShop(Process process, String url, Path log) implements AutoCloseable {
  /** The source whose lines releases name and stack frames point to, from the repository root. */
  static final String SOURCE = "example-app/src/main/java/io/upbeat/example/ShopApplication.java";

  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** An agent jar the build copied (maven-dependency-plugin) to {@code target/agents}. */
  static Path agent(String jar) {
    Path agent = Repository.root().resolve("system-tests/target/agents").resolve(jar);
    assertThat(agent).as("copied by the build (maven-dependency-plugin)").isRegularFile();
    return agent;
  }

  /**
   * Starts it with {@code -javaagent:agent}, the further JVM arguments and environment variables,
   * and waits until {@code readyPath} answers 200.
   */
  static ExampleShop start(
      Path agent, List<String> jvmArgs, Map<String, String> env, Path log, String readyPath)
      throws IOException, InterruptedException {
    return start(agent, jvmArgs, env, log, readyPath, FreePorts.pick());
  }

  /**
   * Like {@link #start(Path, List, Map, Path, String)}, on a port the caller picked (so that shops
   * calling each other can be started at once), and without a {@code -javaagent} when {@code agent}
   * is null (Upbeat's starter is then the only agent, if the JVM arguments turn it on).
   */
  static ExampleShop start(
      Path agent,
      List<String> jvmArgs,
      Map<String, String> env,
      Path log,
      String readyPath,
      int port)
      throws IOException, InterruptedException {
    Path root = Repository.root();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dupbeat.enabled=false"));
    if (agent != null) {
      command.add("-javaagent:" + agent);
    }
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", root.resolve("example-app/target/example-app.jar").toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.environment().put("PORT", String.valueOf(port));
    Process process = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ExampleShop shop = new ExampleShop(process, "http://127.0.0.1:" + port, log);
    try {
      await()
          .atMost(START_TIMEOUT)
          .ignoreExceptions()
          .failFast("the example app exited", () -> !process.isAlive())
          .until(() -> shop.status(readyPath) == 200);
    } catch (RuntimeException | Error e) {
      System.out.println("[shop] " + shop.output());
      shop.close();
      throw e;
    }
    return shop;
  }

  /** The 1-based line of {@link #SOURCE} that holds {@code text}. */
  static int lineOf(String text) throws IOException {
    List<String> lines = Files.readAllLines(Repository.root().resolve(SOURCE));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in " + SOURCE);
  }

  /** The status a plain GET of {@code path} answers. */
  int status(String path) {
    return TestHttp.send(HttpRequest.newBuilder(URI.create(url + path))).statusCode();
  }

  /** What it has written so far. */
  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(" + log + " unreadable: " + e + ")";
    }
  }

  /** SIGTERM; killed if it has not stopped within 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
