package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code GET/PUT /api/v1/apps/{app_id}/scrubbing}: owners set the keys, members read them,
 * strangers see no app; bad keys are a 400 naming {@code keys[i]}; a change reaches the compacted
 * topic intake follows within seconds (intake's side: intake-service's {@code ITScrubbing}).
 */
class ITScrubbingApi extends ApiIntegrationTest {
  @Autowired Topics topics;

  private Account owner;
  private String appId;

  @BeforeEach
  void app() {
    owner = api.newAccount("Scrub Org");
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"s\"}")
            .text("/id");
  }

  private String path() {
    return "/api/v1/apps/" + appId + "/scrubbing";
  }

  private Response put(String key, String body) {
    return api.put(path(), key, "application/json", body);
  }

  @Test
  void ownersSetMembersReadStrangersSeeNothing() {
    assertThat(api.get(path(), owner.apiKey()).body()).isEqualTo("{\"keys\":[]}");

    Response set =
        put(owner.apiKey(), "{\"keys\": [\"iban\", \"X-Internal-Id\", \"iban\", \"пароль\"]}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.body()).isEqualTo("{\"keys\":[\"iban\",\"X-Internal-Id\",\"пароль\"]}");
    assertThat(api.get(path(), owner.apiKey()).body()).isEqualTo(set.body());
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/audit", owner.apiKey()).body())
        .contains("\"action\":\"app.scrubbing_keys_changed\"")
        .contains("s: iban, X-Internal-Id, пароль");

    Account member = api.newAccount("Member Org");
    Teams.join(api, owner, member, "member");
    assertThat(api.get(path(), member.apiKey()).body()).isEqualTo(set.body());
    Response forbidden = put(member.apiKey(), "{\"keys\": []}");
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.text("/error")).isEqualTo("forbidden");

    Account stranger = api.newAccount("Other Org");
    assertThat(api.get(path(), stranger.apiKey()).status()).isEqualTo(404);
    assertThat(put(stranger.apiKey(), "{\"keys\": []}").status()).isEqualTo(404);
    assertThat(api.get(path(), owner.apiKey()).body()).isEqualTo(set.body());
  }

  @Test
  void badKeysAreRefusedNamingThem() {
    assertInvalid(put(owner.apiKey(), "{}"), "keys");
    assertInvalid(put(owner.apiKey(), "{\"keys\": null}"), "keys");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [\"ok\", \"\"]}"), "keys[1]");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [null]}"), "keys[0]");
    assertInvalid(
        put(owner.apiKey(), "{\"keys\": [\"a\", \"" + "x".repeat(101) + "\"]}"), "keys[1]");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [\"tab\\there\"]}"), "keys[0]");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [\"nul\\u0000\"]}"), "keys[0]");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [\"lone\\ud800\"]}"), "keys[0]");
    assertInvalid(put(owner.apiKey(), "{\"keys\": [\"" + "y".repeat(100_000) + "\"]}"), "keys[0]");
    StringBuilder many = new StringBuilder("{\"keys\": [");
    for (int i = 0; i < 101; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append('"');
    }
    assertInvalid(put(owner.apiKey(), many.append("]}").toString()), "keys");
    Response notAList = put(owner.apiKey(), "{\"keys\": \"iban\"}");
    assertThat(notAList.status()).isEqualTo(400);
    Response notJson = put(owner.apiKey(), "{\"keys\": [");
    assertThat(notJson.status()).isEqualTo(400);
    // 100 keys of 100 characters (emoji count once) are fine.
    StringBuilder max = new StringBuilder("{\"keys\": [");
    for (int i = 0; i < 100; i++) {
      max.append(i == 0 ? "" : ",")
          .append('"')
          .append("\uD83D\uDD11".repeat(97))
          .append(100 + i)
          .append('"');
    }
    assertThat(put(owner.apiKey(), max.append("]}").toString()).status()).isEqualTo(200);
  }

  private static void assertInvalid(Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.text("/error")).isEqualTo("invalid_payload");
    assertThat(r.json().get("details").findValuesAsString("field")).contains(field);
  }

  @Test
  void changesReachTheTopicIntakeFollowsWithinSeconds() {
    String key = AppScrubbingCodec.key(UUID.fromString(appId));
    Map<String, byte[]> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      assertThat(put(owner.apiKey(), "{\"keys\": [\"iban\", \"bsn\"]}").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> drain(consumer, latest).get(key) != null);
      assertThat(AppScrubbingCodec.decode(latest.get(key))).containsExactly("iban", "bsn");

      assertThat(put(owner.apiKey(), "{\"keys\": [\"vat\"]}").status()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> {
                byte[] v = drain(consumer, latest).get(key);
                return v != null && AppScrubbingCodec.decode(v).equals(List.of("vat"));
              });

      // No keys of its own left: a tombstone, so the compacted topic forgets the app.
      assertThat(put(owner.apiKey(), "{\"keys\": []}").status()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> drain(consumer, latest).containsKey(key) && latest.get(key) == null);

      // A deleted app's keys are tombstoned too.
      assertThat(put(owner.apiKey(), "{\"keys\": [\"vat\"]}").status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> drain(consumer, latest).get(key) != null);
      assertThat(api.delete("/api/v1/apps/" + appId, owner.apiKey()).status()).isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> drain(consumer, latest).containsKey(key) && latest.get(key) == null);
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
