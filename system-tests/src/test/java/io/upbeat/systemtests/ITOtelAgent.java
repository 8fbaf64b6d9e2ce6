package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.junit.TestHttp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenTelemetry Java agent (2.22.0, from Maven Central, attached with {@code -javaagent})
 * on the example app in a child JVM, configured only by the OTEL_* variables docs/agents.md lists,
 * sending OTLP/HTTP protobuf to intake under {@code ./upbeat dev} (real Kafka, processor and
 * PostgreSQL). Its requests come out of the API as transactions named by route with durations in
 * the right unit, with their JDBC spans in the samples, and its thrown exception as an error group
 * with parsed frames, assigned to the author of the release commit that touched the throwing line,
 * with zero in-app configuration. Then the same app exporting every span in its own request: its
 * spans reach their transaction's sample across requests.
 */
class ITOtelAgent {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  @TempDir Path dataDir;
  private Process dev;
  private Process shop;
  private int processorPort;

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process p : new Process[] {shop, dev}) {
      if (p != null && p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  @Test
  void theOpenTelemetryAgentsRequestsAndErrorsComeOutOfTheApiAndTheErrorIsAssigned()
      throws Exception {
    Path root = Repository.root();
    Path agent = root.resolve("system-tests/target/agents/opentelemetry-javaagent.jar");
    assertThat(agent).as("copied by the build (maven-dependency-plugin)").exists();
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    startDev(root, api, intake);
    String apiUrl = "http://127.0.0.1:" + api;
    String intakeUrl = "http://127.0.0.1:" + intake;

    String signup =
        postJson(
            apiUrl + "/api/v1/signup",
            null,
            "{\"email\":\"otel@example.com\",\"password\":\"long enough password\","
                + "\"org_name\":\"OTel\"}",
            201);
    String key = field(signup, "api_key");
    String org = field(signup.substring(signup.indexOf("\"org\"")), "id");
    String app =
        postJson(apiUrl + "/api/v1/orgs/" + org + "/apps", key, "{\"name\":\"shop\"}", 201);
    String appId = field(app, "id");
    String secret = field(app, "secret_token");

    // CI posted release shop-otel-1, whose commit by Dora changed the line that divides by zero.
    String file = "example-app/src/main/java/io/upbeat/example/ShopApplication.java";
    int line = lineOf(root.resolve(file), "sum.divide(");
    postJson(
        apiUrl + "/api/v1/apps/" + appId + "/releases",
        field(app, "ci_token"),
        """
        {"version": "shop-otel-1", "commits": [{"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
          "author_email": "dora@example.com", "message": "Discounts by average order",
          "files": [{"path": "%s", "lines": [[%d, %d]]}]}]}
        """
            .formatted(file, line - 1, line + 1),
        201);

    // OTLP exporters drop what a 401 refuses: wait until intake knows the new token.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                TestHttp.send(
                            HttpRequest.newBuilder(URI.create(intakeUrl + "/v1/traces"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/x-protobuf")
                                .POST(HttpRequest.BodyPublishers.noBody()))
                        .statusCode()
                    == 200);

    // Exactly the settings docs/agents.md gives, plus a short batch delay so the test waits less.
    String shopUrl =
        startShop(
            root, agent, intakeUrl, secret, "production", Map.of("OTEL_BSP_SCHEDULE_DELAY", "200"));
    long slowestMs = 0;
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      assertThat(status(shopUrl + "/users/42")).isEqualTo(200);
      slowestMs = Math.max(slowestMs, (System.nanoTime() - start) / 1_000_000 + 1);
      assertThat(status(shopUrl + "/users/7/orders")).isEqualTo(200);
    }
    assertThat(status(shopUrl + "/users/2000/discount")).isEqualTo(500);

    // The error: parsed frames, grouped, and assigned to Dora by the line her commit changed.
    String errors = apiUrl + "/api/v1/apps/" + appId + "/errors";
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> get(errors, key).contains("\"email\":\"dora@example.com\""));
    String list = get(errors, key);
    assertThat(list)
        .contains("java.lang.ArithmeticException")
        .contains("changed ShopApplication.java lines " + (line - 1) + "-" + (line + 1))
        .contains("\"first_release\":\"shop-otel-1\"");
    String detail = get(errors + "/" + field(list, "id"), key);
    // The stored exception as jsonb writes it: the JDK's frames are library frames, the app's are
    // in-app, with no configuration.
    assertThat(detail)
        .contains(
            "{\"in_app\": true, \"lineno\": "
                + line
                + ", \"module\": \"io.upbeat.example.ShopApplication$Pricing\", \"filename\":"
                + " \"ShopApplication.java\", \"function\": \"discount\"}")
        .contains("{\"in_app\": false, \"lineno\": ")
        .contains("\"module\": \"java.math.BigDecimal\"")
        .contains("\"sha\":\"4b825dc642cb6eb9a060e54bf8d69288fbee4904\"");

    // The transactions: named by route, never by URL, with durations in milliseconds.
    String transactions = apiUrl + "/api/v1/apps/" + appId + "/transactions";
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String t = get(transactions, key);
              return t.contains("\"name\":\"GET /users/{id}\"")
                  && t.contains("\"name\":\"GET /users/{id}/orders\"")
                  && t.contains("\"name\":\"GET /users/{id}/discount\"");
            });
    String table = get(transactions, key);
    assertThat(table).doesNotContain("/users/42").doesNotContain("/users/2000");
    String users =
        get(
            apiUrl
                + "/api/v1/apps/"
                + appId
                + "/metrics/response-time?interval=1h&transaction="
                + URLEncoder.encode("GET /users/{id}", StandardCharsets.UTF_8),
            key);
    String summary = users.substring(users.indexOf("\"summary\""));
    // The warm-up request may have been counted too: at least the five measured ones.
    assertThat(number(summary, "count")).isGreaterThanOrEqualTo(5);
    double max = number(summary, "max_ms");
    assertThat(max).isGreaterThan(0);
    // The server-side duration of the slowest of the measured requests cannot exceed what the
    // client saw (the warm-up request was measured by nobody: allow it a generous bound).
    assertThat(number(summary, "p50_ms")).isLessThanOrEqualTo(slowestMs * 1.02);
    assertThat(max).isLessThan(60_000);

    // A sample with its JDBC spans, joined to its transaction by the parent chain.
    String samples =
        apiUrl
            + "/api/v1/apps/"
            + appId
            + "/transactions/samples?name="
            + URLEncoder.encode("GET /users/{id}/orders", StandardCharsets.UTF_8);
    await().atMost(Duration.ofSeconds(60)).until(() -> get(samples, key).contains("db.h2.query"));
    assertThat(get(samples, key)).contains("\"spans\":[{").doesNotContain("/users/7\"");

    // Across requests: an agent exporting every span on its own (batches of one) sends each
    // query and handler span before its server span; the processor joins them to the sample.
    stopShop();
    String single =
        startShop(
            root,
            agent,
            intakeUrl,
            secret,
            "staging",
            Map.of("OTEL_BSP_SCHEDULE_DELAY", "200", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1"));
    for (int i = 0; i < 3; i++) {
      assertThat(status(single + "/users/7/orders")).isEqualTo(200);
    }
    String staging = samples + "&environment=staging";
    await().atMost(Duration.ofSeconds(60)).until(() -> get(staging, key).contains("db.h2.query"));
    assertThat(get(staging, key)).contains("\"environment\":\"staging\"");
    // ... and they did come as orphans, joined by the processor.
    String prometheus =
        TestHttp.get("http://127.0.0.1:" + processorPort + "/actuator/prometheus").body();
    Matcher kept =
        Pattern.compile("upbeat_processor_orphan_spans_total\\{[^}]*result=\"kept\"[^}]*} (\\S+)")
            .matcher(prometheus);
    assertThat(kept.find()).as(prometheus).isTrue();
    assertThat(Double.parseDouble(kept.group(1))).isPositive();
  }

  /** The example app with the OpenTelemetry agent and the documented settings; its base URL. */
  private String startShop(
      Path root,
      Path agent,
      String intakeUrl,
      String secret,
      String environment,
      Map<String, String> extra)
      throws IOException {
    int port = FreePorts.pick();
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-javaagent:" + agent,
            "-Dupbeat.enabled=false",
            "-jar",
            root.resolve("example-app/target/example-app.jar").toString());
    builder
        .environment()
        .putAll(
            Map.of(
                "PORT",
                String.valueOf(port),
                "OTEL_SERVICE_NAME",
                "shop",
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.version=shop-otel-1,deployment.environment.name=" + environment,
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                intakeUrl,
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "http/protobuf",
                "OTEL_EXPORTER_OTLP_HEADERS",
                "Authorization=Bearer%20" + secret,
                "OTEL_METRICS_EXPORTER",
                "none",
                "OTEL_LOGS_EXPORTER",
                "none"));
    builder.environment().putAll(extra);
    List<String> output = new CopyOnWriteArrayList<>();
    builder.redirectErrorStream(true);
    Process process = builder.start();
    shop = process;
    Thread reader = new Thread(() -> drain(process, output), "shop-output");
    reader.setDaemon(true);
    reader.start();
    String url = "http://127.0.0.1:" + port;
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .failFast("the example app exited: " + output, () -> !process.isAlive())
        .until(() -> status(url + "/users/42") == 200);
    return url;
  }

  private void stopShop() throws InterruptedException {
    shop.destroy();
    if (!shop.waitFor(30, TimeUnit.SECONDS)) {
      shop.destroyForcibly();
    }
  }

  private void startDev(Path root, int api, int intake) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
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
            String.valueOf(processorPort = FreePorts.pick()));
    pb.directory(root.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("UPBEAT_SKIP_BUILD", "1");
    pb.redirectErrorStream(true);
    dev = pb.start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                  System.out.println("[upbeat dev] " + l);
                  output.add(l);
                }
              } catch (IOException e) {
                // ended
              }
            },
            "upbeat-dev-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .failFast("upbeat dev exited", () -> !dev.isAlive())
        .until(() -> output.stream().anyMatch(l -> l.startsWith("READY ")));
  }

  private static void drain(Process p, List<String> into) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String l;
      while ((l = in.readLine()) != null) {
        if (into.size() < 2000) {
          into.add(l);
        }
      }
    } catch (IOException e) {
      // ended
    }
  }

  private static int lineOf(Path source, String text) throws IOException {
    List<String> lines = Files.readAllLines(source);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in " + source);
  }

  private static int status(String url) {
    return TestHttp.send(HttpRequest.newBuilder(URI.create(url))).statusCode();
  }

  private static String get(String url, String key) {
    HttpResponse<String> r =
        TestHttp.send(
            HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
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

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return m.group(1);
  }

  private static double number(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":([0-9.eE+-]+)").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
