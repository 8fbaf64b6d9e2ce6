package io.upbeat.processor.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.Topics;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.SaslKafka;
import io.upbeat.localstack.junit.TestHttp;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The processor started before its Kafka account exists (SCRAM credentials not created yet) is
 * refused and not ready, and becomes ready and processes events by itself once the operator creates
 * the account: no restart.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafkaLateCredentials {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  private static final String USER = "processor-" + UUID.randomUUID();
  private static final String PASSWORD = "late-" + UUID.randomUUID();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    ITSecuredKafka.database(stack, registry);
    SaslKafka.springPropertiesScram(USER, PASSWORD).forEach((k, v) -> registry.add(k, () -> v));
    registry.add("upbeat.kafka.topic-prefix", () -> "sasl-late-" + UUID.randomUUID() + ".");
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void becomesReadyAndWorksOnceItsAccountIsCreatedWithoutARestart() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> ITSecuredKafka.refusalCounted(port, "metrics"));
    assertThat(TestHttp.get(url("/actuator/health/readiness")).statusCode()).isEqualTo(503);

    SaslKafka.createScramAccount(USER, PASSWORD);

    // The pipelines' backoff is at most 30 s; the Kafka checks try again at each probe.
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> TestHttp.get(url("/actuator/health/readiness")).statusCode() == 200);
    assertThat(TestHttp.get(url("/actuator/health/readiness")).body())
        .containsPattern("\"kafka\":\\{\"status\":\"UP\"")
        .containsPattern("\"kafkaTopics\":\\{\"status\":\"UP\"")
        .containsPattern("\"pipelines\":\\{\"status\":\"UP\"");
    assertThat(TestHttp.get(url("/actuator/health/liveness")).statusCode()).isEqualTo(200);

    // And it works: its consumers store a batch, its dead-letter producer (refused at start too)
    // writes the letter of an undecodable record.
    UUID app = UUID.randomUUID();
    ITSecuredKafka.sendBatchAndGarbage(topics.events(), app);
    await().atMost(Duration.ofSeconds(60)).until(() -> ITSecuredKafka.errorGroups(stack, app) == 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !ITSecuredKafka.deadLetters(topics).isEmpty());
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
