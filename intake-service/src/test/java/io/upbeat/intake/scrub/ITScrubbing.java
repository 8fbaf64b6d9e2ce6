package io.upbeat.intake.scrub;

import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.Topics;
import io.upbeat.intake.http.IntakeTestSupport;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Secrets sent to each receiver ({@code /v1/events}, OTLP, Elastic) never reach the events topic:
 * the raw bytes of every record intake committed for the app are searched for each secret. An app's
 * own keys, published on the token topic as api-service does, take effect within seconds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITScrubbing {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  private static final String CARD = "4111111111111111";

  @LocalServerPort int port;
  @Autowired Topics topics;

  private final UUID app = UUID.randomUUID();
  private String token;

  @BeforeEach
  void knownToken() {
    token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, app);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> postEvents(Instant.now(), "{}").statusCode() == 202);
  }

  @Test
  void nativeEventsLoseTheirSecretsBeforeKafka() {
    String context =
        "{\"request\":{\"method\":\"POST\",\"url\":\"https://shop.io/pay?token=SECRET-N1&page=2\","
            + "\"headers\":{\"Authorization\":\"Bearer SECRET-N2\",\"Cookie\":\"sid=SECRET-N3\","
            + "\"Accept\":\"text/html\"},\"body\":{\"user\":\"ann\",\"Password\":\"SECRET-N4\"}},"
            + "\"user\":{\"id\":\"42\",\"session\":{\"id\":\"SECRET-N5\"}},"
            + "\"tags\":{\"API_KEY\":\"SECRET-N6\",\"region\":\"eu\"},"
            + "\"custom\":{\"note\":\"paid with 4111 1111 1111 1111\",\"list\":[{\"secret\":"
            + "[\"SECRET-N7\"]}]}}";

    assertThat(postEvents(Instant.now(), context).statusCode()).isEqualTo(202);

    String all = await().atMost(Duration.ofSeconds(30)).until(this::mine, s -> s.contains("eu"));
    assertThat(all)
        .doesNotContain("SECRET-N")
        .doesNotContain(CARD)
        .doesNotContain("4111 1111 1111 1111")
        .contains("page=2")
        .contains("text/html")
        .contains("\"Password\":\"[Filtered]\"")
        .contains("token=[Filtered]")
        .contains("paid with [Filtered]")
        .contains("charged [Filtered]");
  }

  @Test
  void otlpAttributesAndExceptionMessagesLoseTheirSecrets() {
    long start = Instant.now().toEpochMilli() * 1_000_000;
    String body =
        """
        {"resourceSpans": [{
          "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}},
            {"key": "api.token", "value": {"stringValue": "SECRET-O0"}}]},
          "scopeSpans": [{"spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "GET /pay", "kind": 2,
            "startTimeUnixNano": "%d", "endTimeUnixNano": "%d",
            "attributes": [
              {"key": "http.request.method", "value": {"stringValue": "GET"}},
              {"key": "url.path", "value": {"stringValue": "/pay"}},
              {"key": "url.query", "value": {"stringValue": "page=2&access_token=SECRET-O1"}},
              {"key": "http.request.header.authorization",
               "value": {"stringValue": "Bearer SECRET-O2"}},
              {"key": "http.response.status_code", "value": {"intValue": "500"}}],
            "events": [{"name": "exception", "timeUnixNano": "%d", "attributes": [
              {"key": "exception.type", "value": {"stringValue": "java.lang.IllegalStateException"}},
              {"key": "exception.message", "value": {"stringValue": "card 4111-1111-1111-1111 declined"}}]}],
            "status": {"code": 2}
          }]}]}]}
        """
            .formatted(start, start + 12_500_000, start + 1_000_000);

    HttpResponse<String> r =
        TestHttp.send(
            post(url("/v1/traces"), token, "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));

    assertThat(r.statusCode()).isEqualTo(200);
    String all =
        await().atMost(Duration.ofSeconds(30)).until(this::mine, s -> s.contains("declined"));
    assertThat(all)
        .doesNotContain("SECRET-O")
        .doesNotContain("4111-1111-1111-1111")
        .contains("/pay?page=2&access_token=[Filtered]")
        .contains("card [Filtered] declined");
  }

  @Test
  void elasticContextsLoseTheirSecrets() {
    long micros = Instant.now().toEpochMilli() * 1000;
    String stream =
        "{\"metadata\":{\"service\":{\"name\":\"shop\",\"agent\":{\"name\":\"java\","
            + "\"version\":\"1.55.1\"}}}}\n"
            + "{\"transaction\":{\"id\":\"t1\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\","
            + "\"name\":\"POST /login\",\"type\":\"request\",\"timestamp\":"
            + micros
            + ",\"duration\":3,\"sampled\":true,\"span_count\":{\"started\":0},\"context\":{"
            + "\"request\":{\"method\":\"POST\",\"headers\":{\"Authorization\":[\"Basic SECRET-E1\"],"
            + "\"X-Csrf-Token\":\"SECRET-E2\"},\"cookies\":{\"JSESSIONID\":\"SECRET-E3\"},"
            + "\"body\":\"user=ann&password=SECRET-E4\",\"url\":{\"full\":"
            + "\"https://shop.io/login?apikey=SECRET-E5&lang=en\",\"search\":"
            + "\"?apikey=SECRET-E5&lang=en\"}},\"user\":{\"id\":\"7\",\"ssn\":\"SECRET-E6\"},"
            + "\"tags\":{\"card_last4\":\"SECRET-E7\",\"plan\":\"gold\"}}}}\n"
            + "{\"error\":{\"id\":\"e1\",\"timestamp\":"
            + micros
            + ",\"exception\":{\"type\":\"java.lang.IllegalStateException\",\"message\":"
            + "\"card 4111111111111111 refused\"},\"context\":{\"request\":{\"headers\":"
            + "{\"set-cookie\":\"SECRET-E8\"}}}}}\n";

    HttpResponse<String> r =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(stream)));

    assertThat(r.statusCode()).isEqualTo(202);
    String all =
        await().atMost(Duration.ofSeconds(30)).until(this::mine, s -> s.contains("refused"));
    assertThat(all)
        .doesNotContain("SECRET-E")
        .doesNotContain(CARD)
        .contains("gold")
        .contains("lang=en")
        .contains("user=ann&password=[Filtered]")
        .contains("card [Filtered] refused");
  }

  @Test
  void theAppsOwnKeysTakeEffectWithinSeconds() {
    String context = "{\"custom\":{\"customer_iban\":\"DE89370400440532013000\"}}";
    postEvents(Instant.now(), context);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(this::mine, s -> s.contains("DE89370400440532013000"));

    publishKeys(List.of("IBAN"));
    // Intake learns the keys from Kafka, asynchronously: within a few seconds, events of the app
    // are scrubbed with them.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              postEvents(Instant.now(), context.replace("DE89", "DE90"));
              String all = mine();
              return all.contains("\"customer_iban\":\"[Filtered]\"") && !all.contains("DE90");
            });

    publishKeys(List.of());
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              postEvents(Instant.now(), context.replace("DE89", "DE91"));
              return mine().contains("DE91");
            });
  }

  private void publishKeys(List<String> keys) {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", stack.stack().bootstrapServers(), "acks", "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  topics.appTokens(),
                  AppScrubbingCodec.key(app),
                  keys.isEmpty() ? null : AppScrubbingCodec.encode(app, keys)))
          .get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> postEvents(Instant now, String context) {
    String body =
        "{\"service\":{\"name\":\"shop\"},\"errors\":[{\"timestamp\":\""
            + now
            + "\",\"exception\":{\"type\":\"Boom\",\"message\":\"charged "
            + CARD
            + "\"},\"context\":"
            + context
            + "}]}";
    return TestHttp.send(
        post(url("/v1/events"), token, "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /**
   * The raw values of every committed record of the app, as one string (every secret would be in
   * it, wherever the codec put it).
   */
  private String mine() {
    byte[] me = app.toString().getBytes(StandardCharsets.UTF_8);
    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        IntakeTestSupport.committedRecords(stack.stack().bootstrapServers(), topics.events())) {
      Header h = r.headers().lastHeader("upbeat-app");
      if (h != null && java.util.Arrays.equals(h.value(), me)) {
        // Contexts travel as JSON strings inside the record: unescape their quotes.
        values.add(new String(r.value(), StandardCharsets.UTF_8).replace("\\\"", "\""));
      }
    }
    return String.join("\n", values);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
