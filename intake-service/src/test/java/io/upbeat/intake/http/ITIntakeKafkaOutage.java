package io.upbeat.intake.http;

import static io.upbeat.intake.http.IntakeTestSupport.committedBatches;
import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.Topics;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.KafkaBroker;
import io.upbeat.localstack.junit.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Kafka goes away under a running intake: requests get 503 with Retry-After within the 2 s budget
 * (never a hang, never a 202), nothing of them is ever visible, and once the broker is back on its
 * address intake accepts again. A broker of its own, since this test stops it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITIntakeKafkaOutage {
  private static final Path DIR = tempDir();
  private static final int PORT = FreePorts.pick();
  private static final int CONTROLLER_PORT = FreePorts.pick();
  private static KafkaBroker broker = startBroker();

  @DynamicPropertySource
  static void kafka(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> "127.0.0.1:" + PORT);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void answers503WithinTheBudgetWhileKafkaIsDownAndRecovers() {
    String bootstrap = "127.0.0.1:" + PORT;
    String token = IntakeTestSupport.newSecretToken();
    publishToken(bootstrap, topics.appTokens(), token, UUID.randomUUID());
    await().atMost(Duration.ofSeconds(60)).until(() -> send(token).statusCode() == 202);
    int committedBefore = committedBatches(bootstrap, topics.events()).size();

    broker.close();
    broker = null;
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = send(token);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("\"error\":\"unavailable\"");
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(took).as("answer %d took %s", i, took).isLessThan(Duration.ofMillis(2500));
    }

    // The Elastic APM endpoint takes the same path: 503, Retry-After, APM Server's body fields.
    long micros = Instant.now().toEpochMilli() * 1000;
    HttpResponse<String> elastic =
        TestHttp.send(
            post("http://127.0.0.1:" + port + "/intake/v2/events", token, "application/x-ndjson")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"metadata\":{\"service\":{\"name\":\"shop\"}}}\n"
                            + "{\"transaction\":{\"name\":\"x\",\"type\":\"request\","
                            + "\"duration\":1,\"timestamp\":"
                            + micros
                            + "}}\n")));
    assertThat(elastic.statusCode()).isEqualTo(503);
    assertThat(elastic.body()).contains("\"error\":\"unavailable\"").contains("\"accepted\":0");
    assertThat(elastic.headers().firstValue("Retry-After")).isPresent();

    broker = startBroker();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> send(token).statusCode() == 202);
    // Exactly the accepted request is visible: the refused ones left nothing behind.
    assertThat(committedBatches(bootstrap, topics.events())).hasSize(committedBefore + 1);
  }

  private HttpResponse<String> send(String token) {
    return TestHttp.send(
        post("http://127.0.0.1:" + port + "/v1/events", token, "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Payloads.valid(Instant.now()))));
  }

  private static KafkaBroker startBroker() {
    return KafkaBroker.start(DIR, Map.of(), PORT, CONTROLLER_PORT);
  }

  private static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("intake-outage");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
