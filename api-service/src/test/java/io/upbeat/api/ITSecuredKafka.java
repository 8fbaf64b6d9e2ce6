package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.TokenDigest;
import io.upbeat.events.Topics;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.SaslKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * api-service on a broker that only serves clients logged in with SASL/PLAIN, given nothing but
 * {@code spring.kafka.*}: the token publisher creates the app-token topic and publishes a new app's
 * secret token on it, where intake's token feed reads it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITSecuredKafka {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("spring.kafka."))
        .forEach(e -> registry.add(e.getKey(), e::getValue));
    registry.add("upbeat.mail.drop-dir", Mailbox.DIR::toString);
    SaslKafka.springProperties(SaslKafka.PASSWORD).forEach((k, v) -> registry.add(k, () -> v));
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  @Test
  void publishesTokensThroughTheSecuredListener() {
    ApiClient api = new ApiClient(port);
    Account owner = api.newAccount("Secured Org");
    Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"sec\"}");
    UUID appId = UUID.fromString(app.text("/id"));
    String digest = TokenDigest.sha256Hex(app.text("/secret_token"));

    Map<String, byte[]> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        TokenTopic.consumer(SaslKafka.client(SaslKafka.PASSWORD), topics.appTokens())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> TokenTopic.drain(consumer, latest).containsKey(digest));
    }
    assertThat(AppTokenCodec.decode(latest.get(digest)).appId()).isEqualTo(appId);
  }
}
