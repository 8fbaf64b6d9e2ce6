package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./upbeat dev --demo} as a newcomer runs it: within a minute the demo account it prints
 * sees route-template transactions, the shop's bugs grouped and assigned to the fictional authors
 * of the commits that wrote them, and release {@code demo-1.0.0} with its commits and a marker on
 * the response-time chart. Restarted on the same data, it reuses the account and the load resumes.
 */
class ITUpbeatDemo {
  private static final Pattern DEMO_LINE =
      Pattern.compile("DEMO dashboard=(\\S+)/login user=(\\S+) password=(\\S+)");
  private static final Duration DEMO_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration LIVE_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dataDir;
  private UpbeatDev running;

  @AfterEach
  void killLeftovers() {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void showsLiveDataAssignedErrorsAndAReleaseAndKeepsItsAccountAcrossRestarts() throws Exception {
    Assumptions.assumeTrue(gitWorks(), "git is not installed");
    running = UpbeatDev.start(dataDir, "--demo");
    Instant ready = Instant.now();
    Matcher demo = demoLine(running);
    String email = demo.group(2);
    String password = demo.group(3);
    assertThat(demo.group(1)).isEqualTo(running.apiUrl());
    assertThat(running.output)
        .contains("DEMO account created (kept in " + dataDir.resolve("demo.json") + "):");

    JsonApi api = new JsonApi(running.apiUrl());
    String key = api.login(email, password);
    JsonNode apps = api.get("/api/v1/apps", key);
    assertThat(apps.path("items")).as("%s", apps).hasSize(1);
    String appId = apps.path("items").get(0).path("id").asText();
    // The demo user's address was verified with the link mailed to <data-dir>/mail, so the demo's
    // notification e-mails are written there too.
    assertThat(api.get("/api/v1/me", key).path("user").path("email_verified").asBoolean()).isTrue();
    assertThat(running.output)
        .anySatisfy(l -> assertThat(l).contains("secret token  ub_app_"))
        .anySatisfy(l -> assertThat(l).contains("CI token      ub_ci_"));
    String app = "/api/v1/apps/" + appId;

    // Live within a minute: route templates, the shop's two bugs assigned, the release marker.
    await()
        .atMost(LIVE_TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(names(api.get(app + "/transactions", key)))
                    .contains(
                        "GET /users/{id}", "GET /users/{id}/orders", "GET /users/{id}/discount")
                    .allMatch(n -> !n.matches(".*/users/\\d+.*"), "route templates only"));
    await()
        .atMost(LIVE_TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode errors = api.get(app + "/errors", key).path("items");
              assertThat(assignee(errors, "java.lang.ArithmeticException"))
                  .isEqualTo("carol@example.com");
              assertThat(assignee(errors, "org.springframework.dao.EmptyResultDataAccessException"))
                  .isEqualTo("alice@example.com");
            });
    JsonNode release = api.get(app + "/releases/demo-1.0.0", key);
    assertThat(release.path("commit_count").asInt()).isEqualTo(3);
    assertThat(release.path("commits").findValuesAsText("author_email"))
        .containsExactlyInAnyOrder("alice@example.com", "bob@example.com", "carol@example.com");
    await()
        .atMost(LIVE_TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode chart = api.get(app + "/metrics/response-time?interval=1m", key);
              assertThat(chart.path("releases").findValuesAsText("version")).contains("demo-1.0.0");
              assertThat(chart.path("summary").path("count").asLong()).isPositive();
            });
    System.out.printf(
        "ITUpbeatDemo: live data, assigned errors and release within %d s of READY%n",
        Duration.between(ready, Instant.now()).toSeconds());

    // Someone rotates the secret token in the dashboard: the next start must notice.
    String secretBefore =
        JsonApi.parse(Files.readString(dataDir.resolve("demo.json"))).path("secret_token").asText();
    api.post(app + "/tokens/rotate", key, "{\"kind\":\"secret\"}", 200);

    Set<ProcessHandle> children = Set.copyOf(running.process.descendants().toList());
    assertThat(children)
        .anyMatch(p -> p.info().commandLine().orElse("").contains("example-app.jar"));
    assertThat(running.stop()).isZero();
    running = null;
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(children.stream().filter(ProcessHandle::isAlive).toList()).isEmpty());

    // Restarted on the same data: the same account and app, and the load resumes.
    running = UpbeatDev.start(dataDir, "--demo");
    Matcher again = demoLine(running);
    Instant restarted = Instant.now();
    assertThat(again.group(2)).isEqualTo(email);
    assertThat(again.group(3)).isEqualTo(password);
    assertThat(running.output)
        .contains("DEMO account reused (kept in " + dataDir.resolve("demo.json") + "):");
    JsonApi restartedApi = new JsonApi(running.apiUrl());
    String restartedKey = restartedApi.login(email, password);
    assertThat(restartedApi.get("/api/v1/apps", restartedKey).path("items").findValuesAsText("id"))
        .containsExactly(appId);
    assertThat(restartedApi.get("/api/v1/me", restartedKey).path("orgs")).hasSize(1);
    JsonNode stored = JsonApi.parse(Files.readString(dataDir.resolve("demo.json")));
    assertThat(stored.path("app_id").asText()).isEqualTo(appId);
    assertThat(stored.path("secret_token").asText()).isNotEqualTo(secretBefore);
    await()
        .atMost(LIVE_TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode errors = restartedApi.get(app + "/errors", restartedKey).path("items");
              JsonNode discount = group(errors, "java.lang.ArithmeticException");
              assertThat(Instant.parse(discount.path("last_seen").asText())).isAfter(restarted);
            });
    assertThat(running.stop()).isZero();
    running = null;
  }

  private static Matcher demoLine(UpbeatDev dev) {
    String line = dev.awaitLine("DEMO dashboard=", DEMO_TIMEOUT);
    Matcher m = DEMO_LINE.matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    return m;
  }

  private static List<String> names(JsonNode transactions) {
    List<String> names = new ArrayList<>();
    transactions.path("items").forEach(t -> names.add(t.path("name").asText()));
    return names;
  }

  private static JsonNode group(JsonNode errors, String type) {
    return StreamSupport.stream(errors.spliterator(), false)
        .filter(e -> e.path("type").asText().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " group in " + errors));
  }

  private static String assignee(JsonNode errors, String type) {
    return group(errors, type).path("assignee").path("email").asText(null);
  }

  private static boolean gitWorks() {
    try {
      return new ProcessBuilder("git", "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
