package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract's promise that "a token handed out by create or rotate is accepted at intake within
 * 1 s of the API's answer", measured on the whole platform: 50 app creations and 50 secret-token
 * rotations, each timed from the API's answer to intake's first 202 for the new token (and, for a
 * rotation, to its first 401 for the old one). Intake is asked every 10 ms, so the figures
 * (printed, and recorded in docs/benchmarks.md) include up to one such interval and one request.
 */
class ITTokenLiveness {
  private static final int SAMPLES = 50;
  private static final Duration LIMIT = Duration.ofSeconds(1);

  @Test
  void createdAndRotatedTokensAreAcceptedAtIntakeWithinOneSecond() throws Exception {
    UpbeatDev dev = SharedPlatform.get();
    JsonApi api = new JsonApi(dev.apiUrl());
    JsonApi intake = new JsonApi(dev.intakeUrl());
    JsonApi.SignedUp owner =
        api.signUpWithApp("tokens-" + UUID.randomUUID() + "@example.com", "Tokens", "warm-up");
    String orgId = owner.app().path("org_id").asText();
    // Not measured: the first token also waits for intake's consumer to be assigned the topic.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> intake.sendEvents(owner.app().path("secret_token").asText(), batch()) == 202);

    List<String> apps = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    List<Duration> created = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      JsonNode app =
          api.post(
              "/api/v1/orgs/" + orgId + "/apps",
              owner.apiKey(),
              "{\"name\": \"app-" + i + "\"}",
              201);
      long answered = System.nanoTime();
      apps.add(appId(app));
      tokens.add(app.path("secret_token").asText());
      created.add(untilStatus(intake, app.path("secret_token").asText(), 202, answered));
    }

    List<Duration> rotated = new ArrayList<>();
    List<Duration> revoked = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      JsonNode rotation =
          api.post(
              "/api/v1/apps/" + apps.get(i) + "/tokens/rotate",
              owner.apiKey(),
              "{\"kind\": \"secret\"}",
              200);
      long answered = System.nanoTime();
      rotated.add(untilStatus(intake, rotation.path("token").asText(), 202, answered));
      // The revocation travels in the same outbox batch as the new token, so it is there too.
      revoked.add(untilStatus(intake, tokens.get(i), 401, answered));
    }

    report("created", created);
    report("rotated", rotated);
    report("revoked", revoked);
    assertThat(p99(created)).as("p99 from create to accepted").isLessThanOrEqualTo(LIMIT);
    assertThat(p99(rotated)).as("p99 from rotate to accepted").isLessThanOrEqualTo(LIMIT);
    assertThat(p99(revoked))
        .as("p99 from rotate to the old token refused")
        .isLessThanOrEqualTo(LIMIT);
  }

  /**
   * Time from {@code answered} (nanoTime) until intake answers {@code status} for {@code token}.
   */
  private static Duration untilStatus(JsonApi intake, String token, int status, long answered) {
    String batch = batch();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> intake.sendEvents(token, batch) == status);
    return Duration.ofNanos(System.nanoTime() - answered);
  }

  private static String appId(JsonNode app) {
    return app.path("id").asText();
  }

  private static String batch() {
    return """
        {"service":{"name":"token-liveness","environment":"production","version":"1",\
        "host":"h","agent":{"name":"test","version":"1"}},\
        "transactions":[{"id":"a1","name":"GET /","type":"request","timestamp":"%s",\
        "duration_ms":1.5,"result":"HTTP 2xx","outcome":"success"}]}"""
        .formatted(Instant.now());
  }

  private static Duration p99(List<Duration> samples) {
    return percentile(samples, 0.99);
  }

  private static Duration percentile(List<Duration> samples, double p) {
    List<Duration> sorted = samples.stream().sorted().toList();
    return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
  }

  private static void report(String what, List<Duration> samples) {
    System.out.printf(
        "ITTokenLiveness: %s n=%d p50=%d ms p99=%d ms max=%d ms%n",
        what,
        samples.size(),
        percentile(samples, 0.5).toMillis(),
        p99(samples).toMillis(),
        samples.stream().max(Duration::compareTo).orElseThrow().toMillis());
  }
}
