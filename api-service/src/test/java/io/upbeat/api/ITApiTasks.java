package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.TokenDigest;
import io.upbeat.events.Topics;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * api-service's one-shot tasks, run as {@code java -jar api-service.jar --upbeat.task=...} runs
 * them (same settings as the server, no web server): {@code migrate} on an empty database, and
 * {@code republish-tokens} rebuilding the app-token topic from PostgreSQL after it was deleted:
 * live tokens as the records intake reads, revoked ones as tombstones, scrubbing keys again
 * (intake's reading of them: intake-service's ITScrubbing and ITIntake).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITApiTasks {
  // A context and database of its own: this test deletes the app-token topic.
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
  }

  @LocalServerPort int port;
  @Autowired Topics topics;
  private ApiClient api;

  @BeforeEach
  void client() {
    api = new ApiClient(port);
  }

  @Test
  void migrateAppliesTheMigrationsToAnEmptyDatabaseAndExits() throws Exception {
    // An empty schema of the test database (the test user may not create databases).
    String schema = "tasks_" + UUID.randomUUID().toString().replace("-", "");
    String url = stack.springProperties().get("spring.datasource.url");
    execute(url, "CREATE SCHEMA " + schema);
    String empty = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema + ",public";

    int exit =
        ApiTasks.run(
            "migrate",
            args(Map.of("spring.datasource.url", empty, "spring.flyway.default-schema", schema)));

    assertThat(exit).isZero();
    assertThat(count(empty, "SELECT count(*) FROM flyway_schema_history WHERE success"))
        .isGreaterThan(20);
    assertThat(count(empty, "SELECT count(*) FROM apps")).isZero();
  }

  @Test
  void republishTokensRebuildsTheTopicFromPostgres() throws Exception {
    Account owner = api.newAccount("Republish Org");
    ApiClient.Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"r\"}");
    String appId = app.text("/id");
    String revoked = app.text("/secret_token");
    String live =
        api.post(
                "/api/v1/apps/" + appId + "/tokens/rotate",
                owner.apiKey(),
                "{\"kind\": \"secret\"}")
            .text("/token");
    assertThat(
            api.put(
                    "/api/v1/apps/" + appId + "/scrubbing",
                    owner.apiKey(),
                    "application/json",
                    "{\"keys\": [\"iban\"]}")
                .status())
        .isEqualTo(200);

    // Published; then Kafka's copy is lost.
    String topic = topics.appTokens();
    try (KafkaConsumer<String, byte[]> consumer =
        TokenTopic.consumer(stack.stack().bootstrapServers(), topic)) {
      Map<String, byte[]> before = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> TokenTopic.drain(consumer, before).containsKey(TokenDigest.sha256Hex(live)));
    }
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", stack.stack().bootstrapServers()))) {
      admin.deleteTopics(List.of(topic)).all().get();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !admin.listTopics().names().get().contains(topic));
    }

    assertThat(ApiTasks.run("republish-tokens", args(Map.of()))).isZero();

    Map<String, byte[]> latest = new HashMap<>();
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        TokenTopic.consumer(stack.stack().bootstrapServers(), topic)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                Map<String, byte[]> seen = TokenTopic.drain(consumer, latest);
                keys.clear();
                keys.addAll(seen.keySet());
                return seen.containsKey(TokenDigest.sha256Hex(live))
                    && seen.containsKey(TokenDigest.sha256Hex(revoked))
                    && seen.containsKey(AppScrubbingCodec.key(UUID.fromString(appId)));
              });
    }
    assertThat(AppTokenCodec.decode(latest.get(TokenDigest.sha256Hex(live))).appId())
        .isEqualTo(UUID.fromString(appId));
    assertThat(latest.get(TokenDigest.sha256Hex(revoked))).as("a tombstone").isNull();
    assertThat(AppScrubbingCodec.decode(latest.get(AppScrubbingCodec.key(UUID.fromString(appId)))))
        .containsExactly("iban");
    // Nothing was left behind in the outboxes.
    String db = stack.springProperties().get("spring.datasource.url");
    assertThat(count(db, "SELECT count(*) FROM app_token_outbox")).isZero();
  }

  @Test
  void anUnknownTaskExitsWithTwo() {
    assertThat(ApiTasks.run("drop-everything", args(Map.of()))).isEqualTo(2);
  }

  @Test
  void theTaskIsReadFromTheArgumentsOrTheEnvironment() {
    assertThat(ApiTasks.requested(new String[] {"--upbeat.task=migrate"}, Map.of()))
        .contains("migrate");
    assertThat(ApiTasks.requested(new String[] {}, Map.of("UPBEAT_TASK", "republish-tokens")))
        .contains("republish-tokens");
    assertThat(ApiTasks.requested(new String[] {"--server.port=1"}, Map.of())).isEmpty();
  }

  /** The stack's settings as command-line arguments, with {@code overrides}. */
  private static String[] args(Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>(stack.springProperties());
    all.putAll(overrides);
    return all.entrySet().stream()
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  private static void execute(String url, String sql) throws Exception {
    try (Connection c = connect(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static long count(String url, String sql) throws Exception {
    try (Connection c = connect(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Connection connect(String url) throws Exception {
    return DriverManager.getConnection(
        url,
        stack.springProperties().get("spring.datasource.username"),
        stack.springProperties().get("spring.datasource.password"));
  }
}
