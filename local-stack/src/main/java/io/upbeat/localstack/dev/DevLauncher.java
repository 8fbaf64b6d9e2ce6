package io.upbeat.localstack.dev;

import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.LocalStack;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * {@code ./upbeat dev}: the whole platform on one machine, with no Docker. Starts PostgreSQL and
 * Kafka in this JVM with their data under the data directory, then each service from its own jar in
 * a child JVM (the same jars and settings as production, so what works here works there), prints
 * {@code READY ...} once all three answer their readiness probes, and on SIGTERM or Ctrl-C stops
 * the services, then Kafka, then PostgreSQL, each cleanly, and exits 0. With {@code --demo} it then
 * sets up a demo account with sample traffic ({@link Demo}).
 */
public final class DevLauncher {
  static final String DATABASE = "upbeat";
  static final String DB_USER = "upbeat";
  // The dev database listens on loopback only; this password protects nothing else.
  static final String DB_PASSWORD = "upbeat";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final List<String> DEFAULT_SERVICE_JVM_OPTIONS =
      List.of(
          "-Xms32m",
          "-Xmx384m",
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:+ExitOnOutOfMemoryError");

  private final DevOptions options;
  private final PrintStream out;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final List<ServiceProcess> services = new ArrayList<>();
  private LocalStack stack;
  private Demo demo;

  DevLauncher(DevOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) {
    List<String> rest = Arrays.asList(args);
    if (rest.isEmpty() || !rest.getFirst().equals("dev")) {
      System.err.print(DevOptions.USAGE);
      System.exit(2);
    }
    DevOptions options;
    try {
      options = DevOptions.parse(Path.of("").toAbsolutePath(), rest.subList(1, rest.size()));
    } catch (IllegalArgumentException e) {
      System.err.println("upbeat: " + e.getMessage());
      System.err.print(DevOptions.USAGE);
      System.exit(2);
      return;
    }
    System.setProperty("upbeat.dev.log-dir", options.dataDir().resolve("logs").toString());
    System.exit(new DevLauncher(options, System.out).run());
  }

  /** Runs until stopped; returns the process exit code. */
  int run() {
    for (Map.Entry<String, Integer> port : options.ports().entrySet()) {
      if (FreePorts.inUse(port.getValue())) {
        System.err.printf(
            "upbeat: port %d (%s) is in use; choose another with --%s-port%n",
            port.getValue(), port.getKey(), port.getKey());
        return 1;
      }
    }
    Path dataDir = options.dataDir();
    try {
      Files.createDirectories(dataDir.resolve("logs"));
    } catch (IOException e) {
      System.err.println("upbeat: cannot create " + dataDir + ": " + e.getMessage());
      return 1;
    }
    try (FileChannel lockFile =
            FileChannel.open(
                dataDir.resolve("dev.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock()) {
      if (lock == null) {
        System.err.println("upbeat: another ./upbeat dev is using " + dataDir);
        return 1;
      }
      installSignalHandlers();
      Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "upbeat-dev-stop"));
      return startAndWait();
    } catch (IOException e) {
      System.err.println("upbeat: cannot lock " + dataDir + ": " + e.getMessage());
      return 1;
    } finally {
      stopAll();
    }
  }

  private void installSignalHandlers() {
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), signal -> stopRequested.countDown());
    }
  }

  private int startAndWait() {
    Path dataDir = options.dataDir();
    out.println("Upbeat dev: data in " + dataDir + ", logs in " + dataDir.resolve("logs"));
    try {
      stack = LocalStack.startPersistent(dataDir);
    } catch (RuntimeException e) {
      System.err.println("upbeat: the embedded Kafka or PostgreSQL did not start: " + e);
      return 1;
    }
    stack.postgres().ensureDatabase(DATABASE, DB_USER, DB_PASSWORD);
    String jdbcUrl = stack.postgres().jdbcUrl(DATABASE);
    out.println("postgres=" + jdbcUrl + " kafka=" + stack.kafka().bootstrapServers());

    // api-service owns the schema and migrates it; the processor waits for it.
    start("api-service", options.apiPort(), options.apiManagementPort(), jdbcUrl);
    start("intake-service", options.intakePort(), options.intakeManagementPort(), jdbcUrl);
    // The processor serves only its actuator, all of it on its one port.
    start("processor-service", options.processorPort(), options.processorPort(), jdbcUrl);

    ServiceProcess failed = awaitReady();
    if (failed != null) {
      System.err.println("upbeat: " + failed.name() + " did not become ready; its log ends with:");
      failed.tail(40).forEach(line -> System.err.println("  " + line));
      System.err.println("  (full log: " + failed.logFile() + ")");
      return 1;
    }
    if (stopRequested.getCount() == 0) {
      return 0;
    }
    // Metrics and the full actuator (management ports), before READY so that whoever waits for
    // READY has them.
    out.printf(
        "MANAGEMENT api=http://127.0.0.1:%d intake=http://127.0.0.1:%d"
            + " processor=http://127.0.0.1:%d%n",
        options.apiManagementPort(), options.intakeManagementPort(), options.processorPort());
    out.printf(
        "READY api=http://127.0.0.1:%d intake=http://127.0.0.1:%d%n",
        options.apiPort(), options.intakePort());
    out.flush();
    if (options.demo()) {
      startDemo();
    }
    return awaitStopOrCrash();
  }

  private synchronized void startDemo() {
    demo = new Demo(options, serviceJvmOptions(), out);
    demo.start();
  }

  private void start(String name, int port, int managementPort, String jdbcUrl) {
    Path jar = options.home().resolve(name).resolve("target").resolve(name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build with ./mvnw -B package");
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SERVER_PORT", String.valueOf(port));
    env.put("SERVER_ADDRESS", "127.0.0.1");
    if (managementPort != port) {
      // Spring Boot refuses a management address for a management port that is the server's.
      env.put("MANAGEMENT_SERVER_PORT", String.valueOf(managementPort));
      env.put("MANAGEMENT_SERVER_ADDRESS", "127.0.0.1");
    }
    env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", stack.kafka().bootstrapServers());
    env.put("SPRING_DATASOURCE_URL", jdbcUrl);
    env.put("SPRING_DATASOURCE_USERNAME", DB_USER);
    env.put("SPRING_DATASOURCE_PASSWORD", DB_PASSWORD);
    env.put("UPBEAT_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true");
    if (name.equals("api-service")) {
      // The dashboard's setup snippet names intake's URL; --intake-port moves it.
      env.put("UPBEAT_DASHBOARD_INTAKE_URL", "http://127.0.0.1:" + options.intakePort());
      // Links in e-mails (invitations, notifications) point at this dashboard.
      env.put("UPBEAT_NOTIFICATIONS_PUBLIC_URL", "http://127.0.0.1:" + options.apiPort());
      // With no SMTP host set, e-mails are written to <data-dir>/mail as .eml files.
      env.put("UPBEAT_MAIL_DROP_DIR", options.dataDir().resolve("mail").toString());
    }
    // Services stop by themselves if this launcher dies without stopping them (e.g. SIGKILL).
    env.put("UPBEAT_DEV_EXIT_WITH_PARENT", "true");
    Path log = options.dataDir().resolve("logs").resolve(name + ".log");
    services.add(ServiceProcess.start(name, jar, port, serviceJvmOptions(), env, log));
  }

  private static List<String> serviceJvmOptions() {
    String custom = System.getenv("UPBEAT_DEV_JAVA_OPTS");
    if (custom != null && !custom.isBlank()) {
      return List.of(custom.trim().split("\\s+"));
    }
    List<String> options = new ArrayList<>(DEFAULT_SERVICE_JVM_OPTIONS);
    if (Runtime.version().feature() >= 24) {
      // Kafka's client still uses sun.misc.Unsafe, and lz4-java loads its native codec
      // (System.loadLibrary), which Java 24+ warns about at every start.
      options.add("--sun-misc-unsafe-memory-access=allow");
      options.add("--enable-native-access=ALL-UNNAMED");
    }
    return options;
  }

  /** Returns the first service that died or timed out, or null when all are ready or stopping. */
  private ServiceProcess awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    List<ServiceProcess> pending = new ArrayList<>(services);
    while (!pending.isEmpty()) {
      for (ServiceProcess s : List.copyOf(pending)) {
        if (!s.isAlive()) {
          return s;
        }
        if (s.isReady(http)) {
          out.println(s.name() + " ready on port " + s.port());
          pending.remove(s);
        }
      }
      if (System.nanoTime() > deadline) {
        return pending.getFirst();
      }
      try {
        if (stopRequested.await(250, TimeUnit.MILLISECONDS)) {
          return null;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private int awaitStopOrCrash() {
    try {
      while (!stopRequested.await(500, TimeUnit.MILLISECONDS)) {
        for (ServiceProcess s : services) {
          if (!s.isAlive()) {
            System.err.println("upbeat: " + s.name() + " stopped unexpectedly; see " + s.logFile());
            return 1;
          }
        }
      }
      out.println("Stopping Upbeat dev...");
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /**
   * Stops the demo first (its example app still flushes to intake), then the services (they still
   * flush to Kafka and PostgreSQL), then Kafka, then PostgreSQL.
   */
  private synchronized void stopAll() {
    if (demo != null) {
      demo.stop();
      demo = null;
    }
    services.forEach(ServiceProcess::requestStop);
    services.forEach(ServiceProcess::awaitStop);
    services.clear();
    if (stack != null) {
      try {
        stack.close();
      } catch (RuntimeException e) {
        System.err.println("upbeat: error while stopping Kafka or PostgreSQL: " + e);
      }
      stack = null;
      out.println("Upbeat dev stopped.");
    }
  }
}
