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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Elastic APM Java agent (the build copies it to {@code target/agents}), attached with
 * {@code -javaagent} to the example app in a child JVM and pointed at intake's Elastic endpoints
 * under {@code ./upbeat dev} (real Kafka, processor, PostgreSQL): its requests come out of the API
 * as transactions with the agent's route names and durations, with spans, and its exception as an
 * error group with frames, assigned to the author of the release commit that touched the line.
 */
class ITElasticAgent {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  @TempDir Path dataDir;
  private Process dev;
  private Process shop;

  /**
   * Stops the example app, then {@code ./upbeat dev} with SIGTERM so it stops its PostgreSQL (which
   * is not in its process tree); only what does not stop in time is killed.
   */
  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : new Process[] {shop, dev}) {
      if (p != null && p.isAlive()) {
        p.destroy();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void theElasticJavaAgentsTransactionsAndErrorsComeOutOfTheApi() throws Exception {
    Path root = Repository.root();
    Path agent = root.resolve("system-tests/target/agents/elastic-apm-agent.jar");
    assertThat(agent).as("copied by the build (maven-dependency-plugin)").isRegularFile();
    int api = FreePorts.pick();
    int intake = FreePorts.pick();
    List<String> devOutput = startDev(root, api, intake);
    String apiUrl = "http://127.0.0.1:" + api;

    String signup =
        postJson(
            apiUrl + "/api/v1/signup",
            null,
            "{\"email\":\"elastic@example.com\",\"password\":\"long enough password\","
                + "\"org_name\":\"Elastic users\"}",
            201);
    String key = field(signup, "api_key");
    String org = field(signup.substring(signup.indexOf("\"org\"")), "id");
    String app =
        postJson(apiUrl + "/api/v1/orgs/" + org + "/apps", key, "{\"name\":\"shop\"}", 201);
    String appId = field(app, "id");
    String secret = field(app, "secret_token");

    // CI posts release shop-1 whose commit, by Dana, changed the lines around the throwing one.
    int throwing = lineOf(root, "return sum.divide(");
    postJson(
        apiUrl + "/api/v1/apps/" + appId + "/releases",
        field(app, "ci_token"),
        """
        {"version": "shop-1", "commits": [{"sha": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
          "author_email": "dana@example.com", "message": "Average discount per order",
          "files": [{"path": "example-app/src/main/java/io/upbeat/example/ShopApplication.java",
                     "lines": [[%d, %d]]}]}]}
        """
            .formatted(throwing - 2, throwing + 1),
        201);

    // The token reaches intake through Kafka; the Elastic endpoint answers like APM Server.
    String intakeUrl = "http://127.0.0.1:" + intake;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestHttp.send(
                            HttpRequest.newBuilder(URI.create(intakeUrl + "/intake/v2/events"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/x-ndjson")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        "{\"metadata\":{\"service\":{\"name\":\"shop\"}}}\n")))
                        .statusCode()
                    == 202);

    int shopPort = FreePorts.pick();
    Path shopLog = dataDir.resolve("shop.log");
    String shopUrl = "http://127.0.0.1:" + shopPort;
    shop = startShop(root, agent, intakeUrl, secret, shopPort, shopLog);

    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .ignoreExceptions()
          .failFast("the example app exited", () -> !shop.isAlive())
          .until(() -> status(shopUrl + "/users/1/orders") == 200);
      long slowest = 0;
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        assertThat(status(shopUrl + "/users/42")).isEqualTo(200);
        slowest = Math.max(slowest, System.nanoTime() - start);
      }
      assertThat(status(shopUrl + "/users/2000/discount")).isEqualTo(500);

      // Transactions under the agent's names (Spring MVC: Controller#method), counted exactly,
      // with durations the client could have observed.
      String transactions = apiUrl + "/api/v1/apps/" + appId + "/transactions";
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () -> {
                String t = get(transactions, key);
                return t.contains("\"name\":\"Shop#user\",\"type\":\"request\",\"count\":5")
                    && t.contains("\"name\":\"Shop#discount\"");
              });
      String list = get(transactions, key);
      Matcher user =
          Pattern.compile("\"name\":\"Shop#user\"[^}]*\"avg_ms\":([0-9.Ee+-]+)").matcher(list);
      assertThat(user.find()).as(list).isTrue();
      double avgMs = Double.parseDouble(user.group(1));
      assertThat(avgMs).isGreaterThan(0).isLessThanOrEqualTo(slowest / 1e6);
      assertThat(list).doesNotContain("/users/42");

      // The first transactions of each name are kept with their spans.
      String samples =
          transactions + "/samples?name=" + URLEncoder.encode("Shop#user", StandardCharsets.UTF_8);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> get(samples, key).contains("\"spans\":[{"));
      assertThat(get(samples, key)).contains("SELECT FROM users").contains("db.h2.query");

      // The exception: a group with frames, assigned to the author of the commit.
      String errors = apiUrl + "/api/v1/apps/" + appId + "/errors";
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> get(errors, key).contains("\"email\":\"dana@example.com\""));
      String group = get(errors, key);
      assertThat(group)
          .contains("changed ShopApplication.java")
          .contains("\"first_release\":\"shop-1\"");
      String detail = get(errors + "/" + field(group, "id"), key);
      assertThat(detail)
          .contains("java.lang.ArithmeticException")
          .contains("\"sha\":\"4b825dc642cb6eb9a060e54bf8d69288fbee4904\"")
          .contains("\"transaction_name\":\"Shop#discount\"")
          .containsPattern(
              "\"path\": ?\"io/upbeat/example/ShopApplication.java\", ?\"in_app\": ?true, ?"
                  + "\"lineno\": ?"
                  + throwing);
    } catch (AssertionError | RuntimeException e) {
      System.out.println("[shop] " + Files.readString(shopLog));
      System.out.println("[upbeat dev] " + String.join("\n[upbeat dev] ", devOutput));
      throw e;
    }
  }

  private static Process startShop(
      Path root, Path agent, String intakeUrl, String secret, int port, Path log)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-Dupbeat.enabled=false",
            "-javaagent:" + agent,
            "-Delastic.apm.server_url=" + intakeUrl,
            "-Delastic.apm.secret_token=" + secret,
            "-Delastic.apm.service_name=shop",
            "-Delastic.apm.service_version=shop-1",
            "-Delastic.apm.application_packages=io.upbeat.example",
            "-Delastic.apm.central_config=false",
            "-Delastic.apm.metrics_interval=0s",
            "-Delastic.apm.api_request_time=1s",
            "-jar",
            root.resolve("example-app/target/example-app.jar").toString());
    pb.environment().put("PORT", String.valueOf(port));
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** The line of the example app's source that holds {@code text} (1-based). */
  private static int lineOf(Path root, String text) throws IOException {
    List<String> lines =
        Files.readAllLines(
            root.resolve("example-app/src/main/java/io/upbeat/example/ShopApplication.java"));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new IllegalStateException(text + " not in ShopApplication.java");
  }

  private List<String> startDev(Path root, int api, int intake) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            "bash",
            root.resolve("upbeat").toString(),
            "dev",
            "--data-dir",
            dataDir.resolve("dev").toString(),
            "--api-port",
            String.valueOf(api),
            "--intake-port",
            String.valueOf(intake),
            "--processor-port",
            String.valueOf(FreePorts.pick()));
    pb.directory(root.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    // The build that runs this test has just built the jars; never nest a second build.
    pb.environment().put("UPBEAT_SKIP_BUILD", "1");
    dev = pb.redirectErrorStream(true).start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException e) {
                // The process ended.
              }
            },
            "upbeat-dev-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .failFast("upbeat dev exited: " + output, () -> !dev.isAlive())
        .until(() -> output.stream().anyMatch(l -> l.startsWith("READY ")));
    return output;
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

  /** The first string value of {@code name} in a flat-enough JSON text. */
  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return m.group(1);
  }
}
