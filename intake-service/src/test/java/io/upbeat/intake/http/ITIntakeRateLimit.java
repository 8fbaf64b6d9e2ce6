package io.upbeat.intake.http;

import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.Topics;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The per-app event rate limit: 429 with Retry-After, per app, and nothing enqueued. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "upbeat.intake.events-per-second-per-app=100")
class ITIntakeRateLimit {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void limitsEachAppToItsRate() {
    String busy = token();
    String quiet = token();

    // The bucket holds a maximal request's worth (10,000 events); spend it.
    assertThat(send(busy, 10_000).statusCode()).isEqualTo(202);
    HttpResponse<String> limited = send(busy, 500);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).contains("\"error\":\"rate_limited\"");
    long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 5L);

    // Another app is not affected.
    assertThat(send(quiet, 500).statusCode()).isEqualTo(202);
  }

  private String token() {
    String token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, UUID.randomUUID());
    await().atMost(Duration.ofSeconds(30)).until(() -> send(token, 0).statusCode() != 401);
    return token;
  }

  private HttpResponse<String> send(String token, int events) {
    return TestHttp.send(
        post("http://127.0.0.1:" + port + "/v1/events", token, "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(Payloads.transactions(Instant.now(), events))));
  }
}
