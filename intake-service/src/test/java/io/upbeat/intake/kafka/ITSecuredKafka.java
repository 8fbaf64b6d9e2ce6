package io.upbeat.intake.kafka;

import static io.upbeat.intake.http.IntakeTestSupport.committedRecords;
import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.intake.http.IntakeTestSupport;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * intake on a broker that only serves clients logged in with SASL/PLAIN, given nothing but {@code
 * spring.kafka.*}: the token feed (consumer), the publisher (transactional producers) and the topic
 * check (admin) all log in, so a token is learnt and a batch is answered 202 after its commit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafka {
  private static final String PREFIX = "sasl-intake-" + UUID.randomUUID() + ".";

  @DynamicPropertySource
  static void kafkaProperties(DynamicPropertyRegistry registry) {
    SaslKafka.springProperties(SaslKafka.PASSWORD).forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> PREFIX);
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void acceptsABatchThroughTheSecuredListener() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> TestHttp.get(url("/actuator/health/readiness")).statusCode() == 200);
    UUID app = UUID.randomUUID();
    String token = IntakeTestSupport.newSecretToken();
    publishToken(SaslKafka.client(SaslKafka.PASSWORD), topics.appTokens(), token, app);

    // The token feed learns the token over SASL; the publisher commits over SASL.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TestHttp.send(
                            post(url("/v1/events"), token, "application/json")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        Payloads.valid(Instant.now()))))
                        .statusCode()
                    == 202);

    assertThat(committedRecords(SaslKafka.client(SaslKafka.PASSWORD), topics.events()))
        .map(r -> EventBatchCodec.decode(r.value()).appId())
        .contains(app);
    HttpResponse<String> readiness = TestHttp.get(url("/actuator/health/readiness"));
    assertThat(readiness.body()).contains("\"status\":\"UP\"");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
