package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.TokenDigest;
import io.upbeat.events.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What intake will read: the compacted app-token topic holds each live secret token under its
 * SHA-256, and a rotated one is followed by a tombstone, within seconds.
 */
class ITTokenPublication extends ApiIntegrationTest {
  @Autowired Topics topics;

  @Test
  void publishesSecretTokensAndTombstonesRotatedOnes() {
    Account owner = api.newAccount("Publishing Org");
    Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"pub\"}");
    UUID appId = UUID.fromString(app.text("/id"));
    String first = app.text("/secret_token");
    String ci = app.text("/ci_token");

    Map<String, byte[]> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> drain(consumer, latest).containsKey(TokenDigest.sha256Hex(first)));
      AppTokenRecord record = AppTokenCodec.decode(latest.get(TokenDigest.sha256Hex(first)));
      assertThat(record.appId()).isEqualTo(appId);
      assertThat(record.kind()).isEqualTo("secret");

      String second =
          api.post(
                  "/api/v1/apps/" + appId + "/tokens/rotate",
                  owner.apiKey(),
                  "{\"kind\": \"secret\"}")
              .text("/token");

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> drain(consumer, latest).containsKey(TokenDigest.sha256Hex(second)));
      assertThat(latest).containsEntry(TokenDigest.sha256Hex(first), null);
      assertThat(AppTokenCodec.decode(latest.get(TokenDigest.sha256Hex(second))).appId())
          .isEqualTo(appId);
      // CI tokens are for releases on api-service; intake never learns them.
      assertThat(latest).doesNotContainKey(TokenDigest.sha256Hex(ci));
      // Nothing but digests in keys (and apps' scrubbing keys, published on the same topic): the
      // token itself never travels.
      assertThat(latest.keySet())
          .allMatch(k -> k.matches("[0-9a-f]{64}") || AppScrubbingCodec.isKey(k));
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    return TokenTopic.consumer(stack.stack().bootstrapServers(), topics.appTokens());
  }

  private static Map<String, byte[]> drain(
      KafkaConsumer<String, byte[]> consumer, Map<String, byte[]> latest) {
    return TokenTopic.drain(consumer, latest);
  }
}
