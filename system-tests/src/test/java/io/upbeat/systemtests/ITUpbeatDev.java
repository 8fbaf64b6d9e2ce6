package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import io.upbeat.agent.UpbeatConfig;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.junit.TestHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./upbeat dev} as a developer runs it: the real script, the real jars, real Kafka and
 * PostgreSQL. It must reach READY with all three services healthy, stop on SIGTERM with exit code 0
 * leaving no process behind, and find its data again on the next start.
 */
class ITUpbeatDev {
  @TempDir Path dataDir;
  private UpbeatDev running;

  @AfterEach
  void killLeftovers() {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void runsStopsCleanlyAndKeepsItsDataAcrossRestarts() throws Exception {
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    int processor = FreePorts.pick();

    UpbeatDev first = start(api, intake, processor);
    assertThat(first.line("READY "))
        .isEqualTo(
            "READY api=http://127.0.0.1:%d intake=http://127.0.0.1:%d".formatted(api, intake));
    for (int port : List.of(api, intake, processor)) {
      assertHealthy(port);
    }
    assertMetricsOnManagementPortsOnly(first);
    writeMarkers(first);
    Set<ProcessHandle> started = startedProcesses(first);
    assertThat(started).hasSizeGreaterThanOrEqualTo(4); // three services and PostgreSQL

    assertThat(stop(first)).isZero();
    assertNothingLeft(started);
    for (int port : List.of(api, intake, processor)) {
      assertThat(FreePorts.inUse(port)).as("port %d released", port).isFalse();
    }

    UpbeatDev second = start(api, intake, processor);
    assertHealthy(api);
    assertMarkersSurvived(second);
    assertThat(stop(second)).isZero();
  }

  @Test
  void aKilledLauncherLeavesNothingRunningAndTheNextStartRecovers() throws Exception {
    int api = FreePorts.pick();
    UpbeatDev first = start(api, FreePorts.pick(), FreePorts.pick());
    writeMarkers(first);
    Set<ProcessHandle> started = startedProcesses(first);

    first.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
    running = null;

    // Services notice their launcher is gone and stop by themselves.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                started.stream()
                    .filter(p -> p.info().commandLine().orElse("").contains("-service.jar"))
                    .noneMatch(ProcessHandle::isAlive));

    // PostgreSQL was left running; the next start takes its data directory over.
    UpbeatDev second = start(api, FreePorts.pick(), FreePorts.pick());
    assertMarkersSurvived(second);
    assertThat(stop(second)).isZero();
    assertNothingLeft(started);
  }

  @Test
  void agentsKeepSendingWhilePostgresIsDownAndRotatedTokensAreRefused() throws Exception {
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    UpbeatDev dev = start(api, intake, FreePorts.pick());
    String apiUrl = "http://127.0.0.1:" + api;
    String events = "http://127.0.0.1:" + intake + "/v1/events";

    String signup =
        postJson(
            apiUrl + "/api/v1/signup",
            null,
            "{\"email\":\"e2e@example.com\",\"password\":\"long enough password\","
                + "\"org_name\":\"E2E\"}",
            201);
    String key = field(signup, "api_key");
    String org = field(signup.substring(signup.indexOf("\"org\"")), "id");
    String app =
        postJson(apiUrl + "/api/v1/orgs/" + org + "/apps", key, "{\"name\":\"shop\"}", 201);
    String secret = field(app, "secret_token");
    String appId = field(app, "id");

    // The token reaches intake through Kafka, within seconds.
    await().atMost(Duration.ofSeconds(30)).until(() -> sendEvents(events, secret) == 202);

    // PostgreSQL frozen (SIGSTOP): intake does not need it.
    List<ProcessHandle> postgres = postgresProcesses();
    assertThat(postgres).isNotEmpty();
    signal("STOP", postgres);
    try {
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        assertThat(sendEvents(events, secret)).isEqualTo(202);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      }
    } finally {
      signal("CONT", postgres);
    }

    // Rotation through the API: the old token is refused by intake within 30 s.
    String rotated =
        postJson(
            apiUrl + "/api/v1/apps/" + appId + "/tokens/rotate", key, "{\"kind\":\"secret\"}", 200);
    String newSecret = field(rotated, "token");
    long rotatedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).until(() -> sendEvents(events, secret) == 401);
    assertThat(Duration.ofNanos(System.nanoTime() - rotatedAt)).isLessThan(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(30)).until(() -> sendEvents(events, newSecret) == 202);

    triageEndToEnd(apiUrl, events, key, appId, field(app, "ci_token"), newSecret);

    assertThat(stop(dev)).isZero();
  }

  /**
   * Through all three services: CI posts a release, an agent reports an error in a line that
   * release changed, and the API shows the group assigned to the commit's author with the suspect
   * commit, and the transactions table counts what intake accepted.
   */
  private static void triageEndToEnd(
      String apiUrl, String events, String key, String appId, String ciToken, String secret) {
    postJson(
        apiUrl + "/api/v1/apps/" + appId + "/releases",
        ciToken,
        """
        {"version": "2026.11.26-1", "commits": [{"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
          "author_email": "alice@example.com", "message": "Cache user lookups",
          "files": [{"path": "src/main/java/com/shop/UserService.java", "lines": [[40, 48]]}]}]}
        """,
        201);
    // The real agent reports it, as an application would.
    UpbeatConfig agent =
        UpbeatConfig.builder()
            .serverUrl(events.substring(0, events.indexOf("/v1/events")))
            .secretToken(secret)
            .serviceName("shop")
            .serviceVersion("2026.11.26-1")
            .appPackage("com.shop")
            .build();
    Upbeat.start(agent);
    try {
      NullPointerException npe = new NullPointerException("user is null");
      npe.setStackTrace(
          new StackTraceElement[] {
            new StackTraceElement("com.shop.UserService", "find", "UserService.java", 42),
            new StackTraceElement(
                "org.springframework.web.servlet.FrameworkServlet",
                "service",
                "FrameworkServlet.java",
                897)
          });
      Transaction request = Upbeat.beginTransaction("GET /users/{id}", "request");
      Upbeat.captureException(npe);
      request.setResult("HTTP 5xx").end();
    } finally {
      Upbeat.stop(); // flushes
    }

    String errors = apiUrl + "/api/v1/apps/" + appId + "/errors";
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> get(errors, key).contains("\"email\":\"alice@example.com\""));
    String list = get(errors, key);
    assertThat(list).contains("commit 9fceb02 by alice@example.com changed UserService.java");
    String detail = get(errors + "/" + field(list, "id"), key);
    assertThat(detail).contains("\"sha\":\"9fceb02d0ae598e95dc970b74767f19372d61af8\"");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get(apiUrl + "/api/v1/apps/" + appId + "/transactions", key)
                    .contains("\"name\":\"GET /users/{id}\""));
  }

  private static String get(String url, String key) {
    HttpResponse<String> r =
        TestHttp.send(
            HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  /**
   * The agent's whole path, as a team would use it: CI runs the release command in a git repository
   * whose last commit changed the example app's pricing code, the example app runs with the starter
   * and that release's version, and its failing request becomes an error group assigned to the
   * commit's author, next to its route-template transactions.
   */
  @Test
  void theExampleAppsErrorIsAssignedToTheAuthorOfTheCommitTheReleaseCommandPosted(
      @TempDir Path repo) throws Exception {
    Assumptions.assumeTrue(commandWorks("git", "--version"), "git is not installed");
    Path root = Repository.root();
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    UpbeatDev dev = start(api, intake, FreePorts.pick());
    String apiUrl = "http://127.0.0.1:" + api;
    String signup =
        postJson(
            apiUrl + "/api/v1/signup",
            null,
            "{\"email\":\"demo@example.com\",\"password\":\"long enough password\","
                + "\"org_name\":\"Demo\"}",
            201);
    String key = field(signup, "api_key");
    String org = field(signup.substring(signup.indexOf("\"org\"")), "id");
    String app =
        postJson(apiUrl + "/api/v1/orgs/" + org + "/apps", key, "{\"name\":\"shop\"}", 201);
    String appId = field(app, "id");

    // A repository whose newest commit, by Carol, wrote the example app's pricing code.
    Path source = repo.resolve("src/main/java/io/upbeat/example/ShopApplication.java");
    Files.createDirectories(source.getParent());
    git(repo, "init", "-q");
    Files.writeString(repo.resolve("README.md"), "shop\n");
    git(repo, "add", ".");
    git(
        repo,
        "-c",
        "user.name=Bob",
        "-c",
        "user.email=bob@example.com",
        "commit",
        "-q",
        "-m",
        "Start");
    Files.copy(
        root.resolve("example-app/src/main/java/io/upbeat/example/ShopApplication.java"), source);
    git(repo, "add", ".");
    git(
        repo,
        "-c",
        "user.name=Carol",
        "-c",
        "user.email=carol@example.com",
        "commit",
        "-q",
        "-m",
        "Discounts");
    Process release =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                root.resolve("agent-java/target/upbeat-agent.jar").toString(),
                "release",
                "--api",
                apiUrl,
                "--app",
                appId,
                "--token",
                field(app, "ci_token"),
                "--version",
                "shop-1",
                "--repo",
                repo.toString())
            .redirectErrorStream(true)
            .start();
    String releaseOutput = new String(release.getInputStream().readAllBytes());
    assertThat(release.waitFor()).as(releaseOutput).isZero();

    // The example app, instrumented by the starter, reporting as release shop-1.
    int shopPort = FreePorts.pick();
    ProcessBuilder shopBuilder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-jar",
            root.resolve("example-app/target/example-app.jar").toString());
    shopBuilder
        .environment()
        .putAll(
            Map.of(
                "PORT",
                String.valueOf(shopPort),
                "UPBEAT_SERVER_URL",
                "http://127.0.0.1:" + intake,
                "UPBEAT_SECRET_TOKEN",
                field(app, "secret_token"),
                "UPBEAT_SERVICE_VERSION",
                "shop-1",
                // Aggregates every second rather than every 10: the test waits less.
                "UPBEAT_METRICS_INTERVAL",
                "1"));
    shopBuilder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process shop = shopBuilder.start();
    try {
      String shopUrl = "http://127.0.0.1:" + shopPort;
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(
              () ->
                  TestHttp.send(HttpRequest.newBuilder(URI.create(shopUrl + "/users/42")))
                          .statusCode()
                      == 200);
      assertThat(
              TestHttp.send(HttpRequest.newBuilder(URI.create(shopUrl + "/users/7/orders")))
                  .statusCode())
          .isEqualTo(200);
      // The failing request carries secrets in a header and in its query string: the starter
      // sends the request with the error, and intake scrubs both before Kafka.
      assertThat(
              TestHttp.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  shopUrl + "/users/2000/discount?coupon=X1&api_key=sk-live-0042"))
                          .header("Authorization", "Bearer shop-secret-0042")
                          .header("X-Request-Id", "req-0042"))
                  .statusCode())
          .isEqualTo(500);

      String errors = apiUrl + "/api/v1/apps/" + appId + "/errors";
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> get(errors, key).contains("\"email\":\"carol@example.com\""));
      String list = get(errors, key);
      assertThat(list)
          .contains("java.lang.ArithmeticException")
          .contains("changed ShopApplication.java");
      String group = field(list.substring(list.indexOf("\"items\"")), "id");
      String detail = get(errors + "/" + group, key);
      assertThat(detail)
          .contains("\"method\":\"GET\"")
          .contains("coupon=X1")
          .contains("req-0042")
          .contains("[Filtered]")
          .doesNotContain("shop-secret-0042")
          .doesNotContain("sk-live-0042");
      String transactions = apiUrl + "/api/v1/apps/" + appId + "/transactions";
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  get(transactions, key).contains("\"name\":\"GET /users/{id}/discount\"")
                      && get(transactions, key).contains("\"name\":\"GET /users/{id}/orders\""));
      assertThat(get(transactions, key)).doesNotContain("/users/2000");
      // The agent sent the first requests of each name in full: their spans are in the API.
      String samples =
          apiUrl
              + "/api/v1/apps/"
              + appId
              + "/transactions/samples?name="
              + java.net.URLEncoder.encode(
                  "GET /users/{id}/orders", java.nio.charset.StandardCharsets.UTF_8);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> get(samples, key).contains("\"spans\":[{"));
      assertThat(get(samples, key))
          .contains("\"name\":\"GET /users/{id}/orders\"")
          .contains("SELECT FROM orders")
          .contains("db.h2.query")
          .doesNotContain("/users/7");
    } finally {
      shop.destroy();
      shop.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(stop(dev)).isZero();
  }

  private static boolean commandWorks(String... command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void git(Path repo, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  private List<ProcessHandle> postgresProcesses() {
    List<ProcessHandle> postmasters =
        ProcessHandle.allProcesses()
            .filter(
                p ->
                    p.info()
                        .commandLine()
                        .orElse("")
                        .contains(dataDir.resolve("postgres").toString()))
            .toList();
    List<ProcessHandle> all = new ArrayList<>(postmasters);
    postmasters.forEach(p -> p.descendants().forEach(all::add));
    return all;
  }

  private static void signal(String signal, List<ProcessHandle> processes) throws Exception {
    for (ProcessHandle p : processes) {
      new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
    }
  }

  private static int sendEvents(String url, String token) {
    String now = Instant.now().toString();
    String body =
        "{\"service\":{\"name\":\"shop\"},\"transactions\":[{\"name\":\"GET /\","
            + "\"type\":\"request\",\"timestamp\":\""
            + now
            + "\",\"duration_ms\":5}]}";
    return TestHttp.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)))
        .statusCode();
  }

  private static String postJson(String url, String key, String json, int expected) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r = TestHttp.send(b);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    return r.body();
  }

  /** The first string value of {@code name} in a flat-enough JSON text. */
  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return m.group(1);
  }

  @Test
  void refusesAPortThatIsTaken() throws Exception {
    try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Process p = launch(taken.getLocalPort(), FreePorts.pick(), FreePorts.pick());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(output).contains("port " + taken.getLocalPort()).contains("--api-port");
    }
  }

  /** The launcher's children, and daemons it started that left its process tree (PostgreSQL). */
  private Set<ProcessHandle> startedProcesses(UpbeatDev dev) {
    Set<ProcessHandle> all = new java.util.HashSet<>(dev.process.descendants().toList());
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString()))
        .forEach(all::add);
    return all;
  }

  /** Every process the launcher started is gone (allowing the kernel a moment to reap them). */
  private static void assertNothingLeft(Set<ProcessHandle> started) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(alive(started)).isEmpty());
  }

  private static List<String> alive(Set<ProcessHandle> processes) {
    return processes.stream()
        .filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
        .toList();
  }

  private void assertHealthy(int port) {
    String base = "http://127.0.0.1:" + port + "/actuator/";
    for (String path : List.of("health", "health/liveness", "health/readiness")) {
      HttpResponse<String> r = TestHttp.get(base + path);
      assertThat(r.statusCode()).as("%s on %d", path, port).isEqualTo(200);
      assertThat(r.body()).contains("\"status\":\"UP\"");
    }
  }

  /**
   * Prometheus answers on each service's management port (the processor's is its only port) and not
   * on the public api and intake ports, where it is not even there (404).
   */
  private void assertMetricsOnManagementPortsOnly(UpbeatDev dev) {
    for (String management :
        List.of(dev.apiManagementUrl, dev.intakeManagementUrl, dev.processorManagementUrl)) {
      HttpResponse<String> prometheus = TestHttp.get(management + "/actuator/prometheus");
      assertThat(prometheus.statusCode()).as(management).isEqualTo(200);
      // Kafka's LZ4 codec is the native one inside the Spring Boot jar (lz4-java alone would pick
      // its slower Java codec there; service-support's NativeLz4 loads the native one).
      assertThat(prometheus.body())
          .as("on %s", management)
          .containsPattern("(?m)^upbeat_kafka_lz4_native(\\{[^}]*\\})? 1\\.0$");
    }
    assertThat(dev.processorManagementUrl).isEqualTo("http://127.0.0.1:" + dev.processorPort);
    for (String publicUrl : List.of(dev.apiUrl(), dev.intakeUrl())) {
      assertThat(TestHttp.get(publicUrl + "/actuator/prometheus").statusCode())
          .as(publicUrl)
          .isEqualTo(404);
    }
  }

  private static void writeMarkers(UpbeatDev dev) throws Exception {
    try (Connection c = DriverManager.getConnection(dev.jdbcUrl, "upbeat", "upbeat");
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO orgs (id, slug, name) VALUES ('00000000-0000-0000-0000-0000000000aa',"
              + " 'kept-org', 'Kept')");
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", dev.kafka))) {
      admin.createTopics(List.of(new NewTopic("kept-topic", 1, (short) 1))).all().get();
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", dev.kafka, "acks", "all"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>("kept-topic", "k", "kept-record")).get();
    }
  }

  private static void assertMarkersSurvived(UpbeatDev dev) throws SQLException {
    try (Connection c = DriverManager.getConnection(dev.jdbcUrl, "upbeat", "upbeat");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM orgs WHERE slug = 'kept-org'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("Kept");
    }
    TopicPartition tp = new TopicPartition("kept-topic", 0);
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", dev.kafka),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<String> values = new CopyOnWriteArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.contains("kept-record");
              });
    }
  }

  private Process launch(int api, int intake, int processor) throws IOException {
    return UpbeatDev.launch(dataDir, api, intake, processor);
  }

  private UpbeatDev start(int api, int intake, int processor) throws IOException {
    running = UpbeatDev.start(dataDir, api, intake, processor);
    return running;
  }

  private int stop(UpbeatDev dev) throws InterruptedException {
    int exit = dev.stop();
    running = null;
    return exit;
  }
}
