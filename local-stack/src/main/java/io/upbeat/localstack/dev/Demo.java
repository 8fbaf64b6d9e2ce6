package io.upbeat.localstack.dev;

import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.dev.DemoApi.DemoException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code ./upbeat dev --demo}, once the platform is ready: a demo user, org and app (created once
 * and kept in {@code DATA_DIR/demo.json}), a release posted by the agent's release command from a
 * small generated git history, and the example app instrumented by agent-java under a gentle mixed
 * load, so the dashboard has live charts, grouped and assigned errors and a release marker.
 *
 * <p>It runs on its own thread: the launcher keeps watching its services and stops the demo first
 * (load, then the example app, whose agent flushes to intake) when asked to stop. A demo that
 * cannot start says why and leaves the platform running.
 */
final class Demo {
  static final String VERSION = "demo-1.0.0";
  static final String APP_PACKAGE = "io.upbeat.example";
  private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration APP_START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(250);

  private final DevOptions options;
  private final List<String> jvmOptions;
  private final PrintStream out;
  private final DemoApi api;
  private final String apiUrl;
  private final String intakeUrl;
  private final Path logs;
  private Thread thread;
  private ServiceProcess shop;
  private DemoTraffic traffic;
  private boolean stopping;

  Demo(DevOptions options, List<String> jvmOptions, PrintStream out) {
    this.options = options;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.out = out;
    this.apiUrl = "http://127.0.0.1:" + options.apiPort();
    this.intakeUrl = "http://127.0.0.1:" + options.intakePort();
    this.api = new DemoApi(apiUrl, intakeUrl);
    this.logs = options.dataDir().resolve("logs");
  }

  /** Sets the demo up on its own thread and returns at once. */
  synchronized void start() {
    thread = Thread.ofPlatform().daemon().name("upbeat-demo").start(this::run);
  }

  /** Stops the load, then the example app; safe to call more than once, and before start. */
  void stop() {
    Thread setup;
    DemoTraffic load;
    ServiceProcess app;
    synchronized (this) {
      stopping = true;
      setup = thread;
      load = traffic;
      app = shop;
      traffic = null;
      shop = null;
    }
    if (setup != null) {
      setup.interrupt();
    }
    if (load != null) {
      load.close();
    }
    if (app != null) {
      app.requestStop();
      app.awaitStop();
    }
    if (setup != null) {
      try {
        setup.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      Path stateFile = options.dataDir().resolve(DemoState.FILE_NAME);
      DemoAccount account = DemoAccount.ensure(api, stateFile, out);
      printAccount(account, stateFile);
      ensureRelease(account);
      awaitTrue("intake to accept the app's secret token", TOKEN_TIMEOUT, () -> tokenLive(account));
      int port = startShop(account.state());
      startTraffic(port);
      out.printf(
          "DEMO dashboard=%s/login user=%s password=%s%n",
          apiUrl, account.state().email(), account.state().password());
      out.flush();
    } catch (RuntimeException | IOException e) {
      if (!isStopping()) {
        String why = e instanceof DemoException ? e.getMessage() : e.toString();
        System.err.println("upbeat: the demo could not start: " + why);
        System.err.println("  (the platform keeps running; the demo's logs are in " + logs + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean tokenLive(DemoAccount account) {
    return api.intakeAccepts(account.state().secretToken());
  }

  private void printAccount(DemoAccount account, Path stateFile) {
    DemoState s = account.state();
    out.printf(
        """
        DEMO account %s (kept in %s):
          dashboard     %s/login
          e-mail        %s
          password      %s
          app           %s (id %s)
          secret token  %s   (agents send events to %s with it)
          CI token      %s   (the release command posts releases with it)
        """,
        account.created() ? "created" : "reused",
        stateFile,
        apiUrl,
        s.email(),
        s.password(),
        s.appName(),
        s.appId(),
        s.secretToken(),
        intakeUrl,
        s.ciToken());
    out.flush();
  }

  /**
   * Posts release {@link #VERSION} once: through the agent's release command from the demo's git
   * history, or without commits (and a warning) when git is missing.
   */
  private void ensureRelease(DemoAccount account) throws IOException, InterruptedException {
    DemoState s = account.state();
    if (api.releaseExists(account.apiKey(), s.appId(), VERSION)) {
      return;
    }
    if (!DemoHistory.gitAvailable()) {
      System.err.println(
          "upbeat: git is not installed: the demo's release "
              + VERSION
              + " has no commits, so its errors are not assigned to anyone");
      api.postRelease(s.ciToken(), s.appId(), VERSION);
      return;
    }
    Path repo = DemoHistory.ensure(options.home(), options.dataDir().resolve("demo-repo"));
    runRelease(s, repo);
    out.println("DEMO release " + VERSION + " posted with the commits of " + repo);
  }

  private void runRelease(DemoState s, Path repo) throws IOException, InterruptedException {
    Path jar = options.home().resolve("agent-java/target/upbeat-agent.jar");
    requireJar(jar, "agent-java");
    Path log = logs.resolve("demo-release.log");
    Process p =
        new ProcessBuilder(
                ServiceProcess.javaExecutable(),
                "-jar",
                jar.toString(),
                "release",
                "--api",
                apiUrl,
                "--app",
                s.appId(),
                "--token",
                s.ciToken(),
                "--version",
                VERSION,
                "--repo",
                repo.toString(),
                "--deployer",
                s.email())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!p.waitFor(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new DemoException("the release command did not finish; see " + log, null);
      }
    } finally {
      p.destroyForcibly();
    }
    if (p.exitValue() != 0) {
      throw new DemoException(
          "the release command failed (exit " + p.exitValue() + "); see " + log, null);
    }
  }

  /** Starts the example app reporting to intake as release {@link #VERSION}; returns its port. */
  private int startShop(DemoState s) throws InterruptedException {
    Path jar = options.home().resolve("example-app/target/example-app.jar");
    requireJar(jar, "example-app");
    int port = FreePorts.pick();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PORT", String.valueOf(port));
    env.put("SERVER_ADDRESS", "127.0.0.1");
    env.put("UPBEAT_SERVER_URL", intakeUrl);
    env.put("UPBEAT_SECRET_TOKEN", s.secretToken());
    env.put("UPBEAT_SERVICE_NAME", s.appName());
    env.put("UPBEAT_SERVICE_VERSION", VERSION);
    env.put("UPBEAT_APP_PACKAGES", APP_PACKAGE);
    // It stops by itself if this launcher dies without stopping it (e.g. SIGKILL).
    env.put("SHOP_EXIT_WITH_PARENT", "true");
    Path log = logs.resolve("example-app.log");
    ServiceProcess app;
    synchronized (this) {
      if (stopping) {
        throw new InterruptedException();
      }
      app = ServiceProcess.start("example-app", jar, port, jvmOptions, env, log);
      shop = app;
    }
    app.handle()
        .onExit()
        .thenRun(
            () -> {
              if (!isStopping()) {
                System.err.println(
                    "upbeat: the demo's example app stopped unexpectedly; see " + log);
              }
            });
    String probe = "http://127.0.0.1:" + port + "/users/1";
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
      awaitTrue(
          "the example app to answer (log: " + log + ")",
          APP_START_TIMEOUT,
          () -> app.isAlive() && answers(http, probe));
    }
    if (!app.isAlive()) {
      throw new DemoException("the example app stopped; see " + log, null);
    }
    out.println("DEMO example app on http://127.0.0.1:" + port + ", log in " + log);
    return port;
  }

  private synchronized void startTraffic(int port) throws InterruptedException {
    if (stopping) {
      throw new InterruptedException();
    }
    traffic = new DemoTraffic("http://127.0.0.1:" + port, new SplittableRandom());
    traffic.start();
  }

  private synchronized boolean isStopping() {
    return stopping;
  }

  private static boolean answers(HttpClient http, String url) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Polls {@code condition} until true; fails after {@code timeout}, returns early on stop. */
  private void awaitTrue(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (isStopping() || Thread.currentThread().isInterrupted()) {
        throw new InterruptedException();
      }
      if (System.nanoTime() > deadline) {
        throw new DemoException(
            "timed out after " + timeout.toSeconds() + " s waiting for " + what, null);
      }
      Thread.sleep(POLL);
    }
  }

  private static void requireJar(Path jar, String module) {
    if (!Files.isRegularFile(jar)) {
      throw new DemoException(
          jar + " is missing: build it with ./mvnw -B package -DskipTests -pl " + module + " -am",
          null);
    }
  }
}
