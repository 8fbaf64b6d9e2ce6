package io.upbeat.intake.http;

import static io.upbeat.intake.http.IntakeTestSupport.committedBatches;
import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatch;
import io.upbeat.events.Topics;
import io.upbeat.intake.validate.BodyMutations;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The intake contract on the real embedded Kafka: every status code and limit, and the promise that
 * only a 202 ever leaves anything in the events topic.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITIntake {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired Topics topics;

  private final UUID app = UUID.randomUUID();
  private String token;

  @BeforeEach
  void knownToken() {
    token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, app);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> send(json(Payloads.valid(Instant.now()))).statusCode() == 202);
  }

  private String url() {
    return "http://127.0.0.1:" + port + "/v1/events";
  }

  private HttpRequest.Builder json(String body) {
    return post(url(), token, "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return TestHttp.send(request);
  }

  private List<EventBatch> mine() {
    return committedBatches(stack.stack().bootstrapServers(), topics.events()).stream()
        .filter(b -> b.appId().equals(app))
        .toList();
  }

  @Test
  void acceptsTheContractExampleAndEnqueuesItWhole() {
    int before = mine().size();

    HttpResponse<String> r = send(json(Payloads.valid(Instant.now())));

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body())
        .isEqualTo("{\"accepted\":{\"transactions\":1,\"errors\":1,\"transaction_metrics\":0}}");
    List<EventBatch> batches = mine();
    assertThat(batches).hasSize(before + 1);
    EventBatch last = batches.getLast();
    assertThat(last.transactions()).hasSize(1);
    assertThat(last.errors()).hasSize(1);
    assertThat(last.service().name()).isEqualTo("shop-web");
  }

  /**
   * The service map's edges: an agent's destination metrics and those intake derives from the exit
   * spans travel in the request's record, readable from its timings header as the processor's
   * metrics pipeline reads it; the 202 counts the request's own.
   */
  @Test
  void enqueuesDestinationMetricsSentAndDerivedFromExitSpans() {
    io.upbeat.metrics.LatencySketch sketch = io.upbeat.metrics.LatencySketch.empty();
    sketch.add(1);
    sketch.add(3);
    Instant minute = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String body =
        Payloads.valid(Instant.now())
            .replace(
                "\"start_ms\": 1.2, \"duration_ms\": 3.4}",
                "\"start_ms\": 1.2, \"duration_ms\": 3.4, \"destination\": \"postgresql\","
                    + " \"outcome\": \"failure\"}")
            .replaceFirst(
                "\\{",
                "{\"destination_metrics\": [{\"destination\": \"inventory:8080\", \"timestamp\":"
                    + " \""
                    + minute
                    + "\", \"count\": 2, \"failures\": 1, \"sum_ms\": 4, \"min_ms\": 1,"
                    + " \"max_ms\": 3, \"sketch\": \""
                    + java.util.Base64.getEncoder().encodeToString(sketch.toBytes())
                    + "\"}],");
    int before = mine().size();

    HttpResponse<String> r = send(json(body));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(r.body())
        .isEqualTo(
            "{\"accepted\":{\"transactions\":1,\"errors\":1,\"transaction_metrics\":0,"
                + "\"destination_metrics\":1}}");
    List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records =
        IntakeTestSupport.committedRecords(stack.stack().bootstrapServers(), topics.events())
            .stream()
            .filter(rec -> io.upbeat.events.EventBatchCodec.decode(rec.value()).appId().equals(app))
            .toList();
    assertThat(records).hasSize(before + 1);
    var record = records.getLast();
    EventBatch fromHeader =
        io.upbeat.events.EventBatchCodec.decode(
            record.value(),
            record.headers().lastHeader(io.upbeat.events.EventTimings.HEADER).value(),
            io.upbeat.events.EventBatchCodec.Parts.TRANSACTION_TIMINGS);
    assertThat(fromHeader.destinationMetrics())
        .extracting(
            io.upbeat.events.DestinationMetric::destination,
            io.upbeat.events.DestinationMetric::count,
            io.upbeat.events.DestinationMetric::failures,
            io.upbeat.events.DestinationMetric::sumMs)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("inventory:8080", 2L, 1L, 4.0),
            org.assertj.core.groups.Tuple.tuple("postgresql", 1L, 1L, 3.4));
  }

  @Test
  void acceptsGzipBodies() throws IOException {
    HttpResponse<String> r =
        send(
            post(url(), token, "application/json; charset=utf-8")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(Payloads.valid(Instant.now())))));
    assertThat(r.statusCode()).isEqualTo(202);
  }

  @Test
  void refusesMissingUnknownAndMalformedTokens() {
    String body = Payloads.valid(Instant.now());
    for (String bad :
        Arrays.asList(null, "", IntakeTestSupport.newSecretToken(), "ub_key_x", "garbage")) {
      HttpResponse<String> r =
          send(
              post(url(), bad, "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(r.statusCode()).as("token %s", bad).isEqualTo(401);
      assertThat(r.body()).contains("\"error\":\"unauthorized\"");
    }
    HttpResponse<String> basic =
        send(
            post(url(), null, "application/json")
                .header("Authorization", "Basic dXNlcjpwdw==")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(basic.statusCode()).isEqualTo(401);
  }

  @Test
  void refusesOtherContentTypesAndEncodings() {
    String body = Payloads.valid(Instant.now());
    for (String type : Arrays.asList("text/plain", "application/x-www-form-urlencoded", null)) {
      HttpResponse<String> r =
          send(post(url(), token, type).POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(r.statusCode()).as("type %s", type).isEqualTo(415);
      assertThat(r.body()).contains("\"error\":\"unsupported_media_type\"");
    }
    HttpResponse<String> brotli = send(json(body).header("Content-Encoding", "br"));
    assertThat(brotli.statusCode()).isEqualTo(415);
  }

  @Test
  void refusesBrokenJsonAndInvalidPayloadsNamingFields() {
    for (String broken :
        List.of("", "{", "{\"service\":{\"name\":\"a\",\"name\":\"b\"}}", "{} []")) {
      HttpResponse<String> r = send(json(broken));
      assertThat(r.statusCode()).as(broken).isEqualTo(400);
      assertThat(r.body()).contains("\"error\":\"invalid_json\"");
    }
    HttpResponse<String> notGzip =
        send(json(Payloads.valid(Instant.now())).header("Content-Encoding", "gzip"));
    assertThat(notGzip.statusCode()).isEqualTo(400);

    String invalid =
        Payloads.valid(Instant.now()).replace("\"duration_ms\": 12.5", "\"duration_ms\": \"12.5\"");
    HttpResponse<String> r = send(json(invalid));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .contains("\"error\":\"invalid_payload\"")
        .contains("\"field\":\"transactions[0].duration_ms\"");
  }

  @Test
  void refusesOversizedBodiesGzipBombsAndTooManyEvents() throws IOException {
    String big = "{\"service\":{\"name\":\"a\"},\"pad\":\"" + "x".repeat(6 * 1024 * 1024) + "\"}";
    HttpResponse<String> plain = send(json(big));
    assertThat(plain.statusCode()).isEqualTo(413);
    assertThat(plain.body()).contains("\"error\":\"payload_too_large\"");

    // 1 GiB of spaces compresses to about 1 MiB; it must be refused after 5 MiB inflated.
    byte[] bomb = gzipSpaces(1024L * 1024 * 1024);
    long start = System.nanoTime();
    HttpResponse<String> r =
        send(
            json("")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bomb)));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

    HttpResponse<String> many = send(json(Payloads.transactions(Instant.now(), 10_001)));
    assertThat(many.statusCode()).isEqualTo(413);
    HttpResponse<String> justEnough = send(json(Payloads.transactions(Instant.now(), 10_000)));
    assertThat(justEnough.statusCode()).isEqualTo(202);
    assertThat(justEnough.body()).contains("\"transactions\":10000");
  }

  @Test
  void nothingButA202EverReachesTheTopic() throws IOException {
    int before = mine().size();
    String valid = Payloads.valid(Instant.now());
    List<HttpRequest.Builder> refused =
        List.of(
            json("{"),
            json(valid.replace("\"type\": \"request\"", "\"type\": 1")),
            post(url(), "ub_app_unknown", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(valid)),
            post(url(), token, "text/plain").POST(HttpRequest.BodyPublishers.ofString(valid)),
            json(valid).header("Content-Encoding", "gzip"));
    for (HttpRequest.Builder request : refused) {
      assertThat(send(request).statusCode()).isBetween(400, 499);
    }
    assertThat(mine()).hasSize(before);
  }

  @Test
  void randomlyDamagedBodiesNeverGetA5xxAndOnlyA202Enqueues() {
    int before = mine().size();
    byte[] valid = Payloads.valid(Instant.now()).getBytes(StandardCharsets.UTF_8);
    List<byte[]> bodies = BodyMutations.of(valid).sampleStream().limit(150).toList();
    int accepted = 0;
    for (byte[] body : bodies) {
      HttpResponse<String> r =
          send(
              post(url(), token, "application/json")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
      assertThat(r.statusCode()).as(new String(body, StandardCharsets.UTF_8)).isLessThan(500);
      if (r.statusCode() == 202) {
        accepted++;
      } else {
        assertThat(r.statusCode()).isIn(400, 413);
      }
    }
    assertThat(mine()).hasSize(before + accepted);
  }

  @Test
  void aRevokedTokenIsRefusedWithinThirtySeconds() {
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, null);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> send(json(Payloads.valid(Instant.now()))).statusCode() == 401);
  }

  @Test
  void exposesItsOwnMetrics() {
    send(json(Payloads.valid(Instant.now())));
    send(json("{"));
    String metrics =
        TestHttp.get("http://127.0.0.1:" + managementPort + "/actuator/prometheus").body();
    assertThat(metrics)
        .contains(
            "upbeat_intake_requests_total{application=\"intake-service\",result=\"accepted\"}")
        .contains("result=\"invalid_json\"")
        .contains("upbeat_intake_events_accepted_total")
        .contains("upbeat_intake_bytes_total")
        .contains("upbeat_intake_enqueue_seconds")
        .contains("upbeat_intake_publish_queue{application=\"intake-service\"} 0.0");
    String readiness =
        TestHttp.get("http://127.0.0.1:" + port + "/actuator/health/readiness").body();
    assertThat(readiness).contains("\"appTokens\"").contains("\"status\":\"UP\"");
  }

  private static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] gzipSpaces(long count) throws IOException {
    byte[] chunk = new byte[1 << 20];
    Arrays.fill(chunk, (byte) ' ');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
      for (long written = 0; written < count; written += chunk.length) {
        gz.write(chunk);
      }
    }
    return out.toByteArray();
  }
}
