package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.upbeat.events.StorableText;
import io.upbeat.localstack.junit.TestHttp;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Hostile text end to end, on {@code ./upbeat dev} with real Kafka and PostgreSQL: arbitrary
 * strings (NUL, C0 controls, lone surrogates, 4-byte characters, right-to-left marks, markup, up to
 * 10,000 characters) in every string field of all three receivers (native, OTLP/JSON, Elastic
 * ND-JSON), escaped or raw. Each batch is answered 202/200, and then shows up through the API with
 * its text stored as {@link StorableText#storable} says, or it is refused with a clean 4xx and the
 * contract's body; invalid UTF-8 is always refused. Meanwhile a bystander tenant's events appear
 * within 5 s after every try.
 */
class ITHostileInput {
  private static final Duration BYSTANDER_BOUND = Duration.ofSeconds(5);
  private static final AtomicInteger TRIES = new AtomicInteger();

  private static UpbeatDev dev;
  private static JsonApi api;
  private static Tenant attacker;
  private static Tenant bystander;

  private record Tenant(String apiKey, String appId, String token) {}

  @BeforeContainer
  static void startPlatform() {
    dev = SharedPlatform.get();
    api = new JsonApi(dev.apiUrl());
    attacker = tenant("attacker");
    bystander = tenant("bystander");
    // A new token reaches intake through Kafka within a second or so.
    for (Tenant t : List.of(attacker, bystander)) {
      byte[] hello =
          bytes(nativeBatch(new Json(false), Instant.now(), "hello", "hello.E", "hello", "x"));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> sendIntakeAs(t, "/v1/events", "application/json", hello).statusCode() == 202);
    }
  }

  private static Tenant tenant(String name) {
    JsonApi.SignedUp s = api.signUpWithApp(name + "@hostile.example", name + " org", name + " app");
    return new Tenant(
        s.apiKey(), s.app().path("id").asText(), s.app().path("secret_token").asText());
  }

  // --- the property ---

  @Property(
      tries = 20,
      shrinking = ShrinkingMode.OFF,
      afterFailure = net.jqwik.api.AfterFailureMode.SAMPLE_FIRST)
  void everyStringIsStoredAsStorableTextOrCleanlyRefused(
      @ForAll("hostile") String text, @ForAll boolean escapeEverything) {
    int n = TRIES.incrementAndGet();
    Instant now = Instant.now();
    Json json = new Json(escapeEverything);
    String name = "t" + n + " " + cut(text, 900);
    String message = cut(text, 9_000);

    // Native: every free-text field holds the string; the batch must be accepted.
    String nativeType = "hostile.Native" + n;
    assertThat(postNative(nativeBatch(json, now, name + " native", nativeType, message, text)))
        .isEqualTo(202);
    // Native with the string where the contract restricts it (service name, environment):
    // accepted or a clean refusal, never a 5xx.
    String restricted =
        nativeBatch(json, now, name + " restricted", "hostile.Restricted" + n, message, text)
            .replace("\"name\":\"hostile-svc\"", "\"name\":" + json.string(cut(text, 120)))
            .replace(
                "\"environment\":\"production\"", "\"environment\":" + json.string(cut(text, 120)));
    assertCleanAnswer(sendIntake("/v1/events", "application/json", bytes(restricted)), 202);

    // OTLP/JSON: a server span named by the string with an exception event.
    String otlpType = "hostile.Otlp" + n;
    assertCleanAnswer(
        sendIntake(
            "/v1/traces",
            "application/json",
            bytes(otlpTrace(json, now, name + " otlp", otlpType, message, text))),
        200);
    // Elastic: a transaction and an error in one stream.
    String elasticType = "hostile.Elastic" + n;
    assertCleanAnswer(
        sendIntake(
            "/intake/v2/events",
            "application/x-ndjson",
            bytes(elasticStream(json, now, name + " elastic", elasticType, message, text))),
        202);

    // Invalid UTF-8 inside a string is refused by every receiver.
    for (byte[] bad :
        List.of(
            new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) {
      assertRefused(
          sendIntake(
              "/v1/events",
              "application/json",
              withRawBytes(nativeBatch(json, now, "bad", "hostile.Bad", "MARK", ""), bad)));
      assertRefused(
          sendIntake(
              "/v1/traces",
              "application/json",
              withRawBytes(otlpTrace(json, now, "bad", "hostile.Bad", "MARK", ""), bad)));
      assertRefused(
          sendIntake(
              "/intake/v2/events",
              "application/x-ndjson",
              withRawBytes(elasticStream(json, now, "bad", "hostile.Bad", "MARK", ""), bad)));
    }

    // The bystander's event appears within the bound.
    String bystanderName = "bystander " + n;
    long sent = System.nanoTime();
    String calm = nativeBatch(new Json(false), now, bystanderName, "bystander.E" + n, "calm", "x");
    assertThat(sendIntakeAs(bystander, "/v1/events", "application/json", bytes(calm)).statusCode())
        .isEqualTo(202);
    await()
        .atMost(BYSTANDER_BOUND)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> transactionNames(bystander).contains(bystanderName));
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(BYSTANDER_BOUND);

    // Everything accepted shows up, stored as storable text.
    Set<String> expectedNames =
        Set.of(
            StorableText.storable(name + " native"),
            StorableText.storable(name + " otlp"),
            StorableText.storable(name + " elastic"));
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> assertThat(transactionNames(attacker)).containsAll(expectedNames));
    String storedMessage = StorableText.storable(message);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode errors =
                  api.get(
                      "/api/v1/apps/" + attacker.appId() + "/errors?status=all&limit=100",
                      attacker.apiKey());
              for (String type : List.of(nativeType, otlpType, elasticType)) {
                JsonNode group = JsonApi.item(errors, e -> type.equals(e.path("type").asText()));
                assertThat(group.isMissingNode()).as("error group %s", type).isFalse();
                assertThat(group.path("message").asText()).as(type).isEqualTo(storedMessage);
              }
            });
  }

  /**
   * A record whose effects PostgreSQL refuses (here a test-only CHECK constraint on error groups)
   * is dead-lettered with its reason, and the bystander's data keeps appearing through the API.
   */
  @Example
  void aPoisonRecordIsDeadLetteredAndOtherTenantsGoOn() throws Exception {
    String poisonType = "hostile.Poison" + TRIES.incrementAndGet();
    try (Connection db = DriverManager.getConnection(dev.jdbcUrl, "upbeat", "upbeat");
        Statement s = db.createStatement()) {
      s.execute(
          "ALTER TABLE error_groups ADD CONSTRAINT test_poison CHECK (type <> '"
              + poisonType
              + "')");
    }
    try {
      Instant now = Instant.now();
      String poison = nativeBatch(new Json(false), now, "poison tx", poisonType, "boom", "p");
      assertThat(sendIntake("/v1/events", "application/json", bytes(poison)).statusCode())
          .isEqualTo(202);
      String calmName = "bystander after poison";
      String calm = nativeBatch(new Json(false), now, calmName, "bystander.Calm", "calm", "x");
      long sent = System.nanoTime();
      assertThat(
              sendIntakeAs(bystander, "/v1/events", "application/json", bytes(calm)).statusCode())
          .isEqualTo(202);
      await()
          .atMost(BYSTANDER_BOUND)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  !JsonApi.item(
                          api.get(
                              "/api/v1/apps/" + bystander.appId() + "/errors?status=all",
                              bystander.apiKey()),
                          e -> "bystander.Calm".equals(e.path("type").asText()))
                      .isMissingNode());
      assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(BYSTANDER_BOUND);
      // The attacker's transaction of the same record is stored: only the errors pipeline, whose
      // effects were refused, dead-letters it.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> transactionNames(attacker).contains("poison tx"));

      List<Map<String, String>> letters = new CopyOnWriteArrayList<>();
      TopicPartition[] dlq = {
        new TopicPartition("upbeat.events.dlq", 0),
        new TopicPartition("upbeat.events.dlq", 1),
        new TopicPartition("upbeat.events.dlq", 2)
      };
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(
              Map.of("bootstrap.servers", dev.kafka, "isolation.level", "read_committed"),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer())) {
        consumer.assign(List.of(dlq));
        consumer.seekToBeginning(List.of(dlq));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  consumer
                      .poll(Duration.ofMillis(200))
                      .forEach(
                          r -> {
                            Map<String, String> headers = new HashMap<>();
                            r.headers()
                                .forEach(
                                    h ->
                                        headers.put(
                                            h.key(),
                                            new String(h.value(), StandardCharsets.UTF_8)));
                            if (new String(r.value(), StandardCharsets.UTF_8)
                                .contains(poisonType)) {
                              letters.add(headers);
                            }
                          });
                  return !letters.isEmpty();
                });
      }
      assertThat(letters.getFirst())
          .containsEntry("upbeat-fault", "data_fault")
          .containsEntry("upbeat-sqlstate", "23514")
          .containsEntry("upbeat-pipeline", "errors");
      assertThat(letters.getFirst().get("upbeat-reason")).contains("test_poison");
    } finally {
      try (Connection db = DriverManager.getConnection(dev.jdbcUrl, "upbeat", "upbeat");
          Statement s = db.createStatement()) {
        s.execute("ALTER TABLE error_groups DROP CONSTRAINT test_poison");
      }
    }
  }

  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.of("\u0000", "\u0001", "\u001f", "\u007f", "\t", "\n", "\r", "\b"),
            Arbitraries.chars().range('\uD800', '\uDFFF').map(String::valueOf), // lone surrogates
            Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString),
            Arbitraries.of("\u202E", "\u200F", "\u061C", "\uFEFF", "\uFFFD", "\uFFFF"),
            Arbitraries.of("\"", "\\", "\\u0000", "</script>", "<b>", "%00", "'; --", "{{x}}"),
            Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12),
            Arbitraries.chars().range('\u0080', '\uD7FF').map(String::valueOf));
    Arbitrary<String> shortText =
        piece.list().ofMinSize(1).ofMaxSize(40).map(l -> String.join("", l));
    Arbitrary<String> longText =
        piece
            .list()
            .ofMinSize(1)
            .ofMaxSize(8)
            .map(l -> String.join("", l))
            .map(s -> s.repeat(10_000 / s.length() + 1).substring(0, 10_000));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, shortText), net.jqwik.api.Tuple.of(1, longText));
  }

  // --- payloads ---

  /** Text of at most {@code max} chars, cut at a char boundary (may leave a lone surrogate). */
  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static String nativeBatch(
      Json j, Instant at, String name, String type, String message, String text) {
    String t = j.string(cut(text, 1_000));
    String ts = j.string(at.toString());
    return "{\"service\":{\"name\":\"hostile-svc\",\"environment\":\"production\",\"version\":"
        + j.string(cut(text, 200))
        + ",\"host\":"
        + j.string(cut(text, 200))
        + ",\"agent\":{\"name\":"
        + j.string(cut(text, 100))
        + ",\"version\":\"1\"}},"
        + "\"transactions\":[{\"id\":\"a1\",\"name\":"
        + j.string(name)
        + ",\"type\":\"request\",\"timestamp\":"
        + ts
        + ",\"duration_ms\":3.5,\"result\":"
        + j.string(cut(text, 100))
        + ",\"outcome\":\"success\",\"spans\":[{\"name\":"
        + t
        + ",\"type\":\"db.query\",\"start_ms\":0.5,\"duration_ms\":1}],"
        + "\"context\":{\"request\":{\"method\":\"GET\",\"url\":"
        + t
        + "},\"user\":{\"id\":"
        + j.string(cut(text, 100))
        + "},\"tags\":{"
        + j.string("k" + cut(text, 50))
        + ":"
        + j.string(cut(text, 200))
        + "}}}],"
        + "\"errors\":[{\"id\":\"e1\",\"timestamp\":"
        + ts
        + ",\"transaction_id\":\"a1\",\"transaction_name\":"
        + j.string(name)
        + ",\"culprit\":"
        + t
        + ",\"exception\":{\"type\":"
        + j.string(type)
        + ",\"message\":"
        + j.string(message)
        + ",\"stacktrace\":[{\"module\":"
        + t
        + ",\"function\":"
        + t
        + ",\"filename\":"
        + t
        + ",\"path\":"
        + t
        + ",\"lineno\":42,\"in_app\":true}]},\"context\":{\"note\":"
        + t
        + "}}]}";
  }

  private static String otlpTrace(
      Json j, Instant at, String name, String type, String message, String text) {
    long start = at.getEpochSecond() * 1_000_000_000L + at.getNano();
    String t = j.string(cut(text, 1_000));
    String trace = HexFormat.of().formatHex(randomBytes(16));
    String span = HexFormat.of().formatHex(randomBytes(8));
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
        + "{\"key\":\"service.name\",\"value\":{\"stringValue\":"
        + t
        + "}},{\"key\":\"host.name\",\"value\":{\"stringValue\":"
        + t
        + "}}]},\"scopeSpans\":[{\"scope\":{\"name\":"
        + t
        + "},\"spans\":[{\"traceId\":\""
        + trace
        + "\",\"spanId\":\""
        + span
        + "\",\"name\":"
        + j.string(name)
        + ",\"kind\":2,\"startTimeUnixNano\":\""
        + start
        + "\",\"endTimeUnixNano\":\""
        + (start + 3_000_000)
        + "\",\"attributes\":[{\"key\":"
        + j.string("attr." + cut(text, 50))
        + ",\"value\":{\"stringValue\":"
        + t
        + "}}],\"events\":[{\"name\":\"exception\",\"timeUnixNano\":\""
        + (start + 1_000_000)
        + "\",\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":"
        + j.string(type)
        + "}},{\"key\":\"exception.message\",\"value\":{\"stringValue\":"
        + j.string(message)
        + "}},{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":"
        + j.string(
            type + ": " + cut(text, 200) + "\n\tat com.shop." + cut(text, 50) + "(X.java:1)\n")
        + "}}]}]}]}]}]}";
  }

  private static String elasticStream(
      Json j, Instant at, String name, String type, String message, String text) {
    long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
    String t = j.string(cut(text, 1_000));
    String id = HexFormat.of().formatHex(randomBytes(8));
    return "{\"metadata\":{\"service\":{\"name\":\"hostile-elastic\",\"environment\":\"production\","
        + "\"version\":"
        + j.string(cut(text, 100))
        + ",\"agent\":{\"name\":\"java\",\"version\":\"1.55.1\"}}}}\n"
        + "{\"transaction\":{\"id\":\""
        + id
        + "\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"name\":"
        + j.string(name)
        + ",\"type\":\"request\",\"timestamp\":"
        + micros
        + ",\"duration\":2.5,\"result\":"
        + j.string(cut(text, 100))
        + ",\"outcome\":\"success\",\"sampled\":true,\"span_count\":{\"started\":0,\"dropped\":0},"
        + "\"context\":{\"tags\":{\"k\":"
        + t
        + "}}}}\n"
        + "{\"error\":{\"id\":\"e"
        + id
        + "\",\"timestamp\":"
        + micros
        + ",\"transaction_id\":\""
        + id
        + "\",\"culprit\":"
        + t
        + ",\"exception\":{\"type\":"
        + j.string(type)
        + ",\"message\":"
        + j.string(message)
        + ",\"stacktrace\":[{\"classname\":"
        + t
        + ",\"function\":"
        + t
        + ",\"filename\":"
        + t
        + ",\"lineno\":7,\"library_frame\":false}]}}}\n";
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1; // never all zero (an invalid id)
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The payload with {@code bad} bytes put inside the string value "MARK". */
  private static byte[] withRawBytes(String payload, byte[] bad) {
    int at = payload.indexOf("MARK");
    assertThat(at).isPositive();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes(payload.substring(0, at)));
    out.writeBytes(bad);
    out.writeBytes(bytes(payload.substring(at + 4)));
    return out.toByteArray();
  }

  // --- HTTP ---

  private static int postNative(String json) {
    return sendIntake("/v1/events", "application/json", bytes(json)).statusCode();
  }

  private static HttpResponse<String> sendIntake(String path, String type, byte[] body) {
    return sendIntakeAs(attacker, path, type, body);
  }

  private static HttpResponse<String> sendIntakeAs(
      Tenant tenant, String path, String type, byte[] body) {
    return TestHttp.send(
        HttpRequest.newBuilder(URI.create(dev.intakeUrl() + path))
            .header("Authorization", "Bearer " + tenant.token())
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private static void assertCleanAnswer(HttpResponse<String> r, int success) {
    if (r.statusCode() == success) {
      return;
    }
    assertThat(r.statusCode()).as("status, body %s", r.body()).isBetween(400, 499);
    assertThat(r.statusCode()).as("never rate limited here: %s", r.body()).isNotEqualTo(429);
  }

  private static void assertRefused(HttpResponse<String> r) {
    assertThat(r.statusCode()).as("invalid UTF-8, body %s", r.body()).isEqualTo(400);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private static Set<String> transactionNames(Tenant t) {
    JsonNode list = api.get("/api/v1/apps/" + t.appId() + "/transactions", t.apiKey());
    Set<String> names = new HashSet<>();
    list.path("items").forEach(i -> names.add(i.path("name").asText()));
    return names;
  }

  /**
   * JSON string literals written by hand, so that lone surrogates can be sent as escapes (a JSON
   * library would refuse or mangle them): control characters and surrogates are always escaped, and
   * with {@code escapeEverything} every non-ASCII character is too; otherwise well-formed
   * characters go raw as UTF-8.
   */
  private record Json(boolean escapeEverything) {
    String string(String s) {
      StringBuilder b = new StringBuilder(s.length() + 2).append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20
            || c == 0x7F
            || (escapeEverything && c > 0x7E)
            || Character.isSurrogate(c) && !pairedAt(s, i)) {
          b.append(String.format("\\u%04x", (int) c));
        } else if (Character.isHighSurrogate(c)) {
          b.append(c).append(s.charAt(++i)); // a well-formed pair, raw
        } else {
          b.append(c);
        }
      }
      return b.append('"').toString();
    }

    private static boolean pairedAt(String s, int i) {
      return Character.isHighSurrogate(s.charAt(i))
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1));
    }
  }
}
