package io.upbeat.intake.http;

import static io.upbeat.intake.http.IntakeTestSupport.committedBatches;
import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatch;
import io.upbeat.events.Topics;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.zip.DeflaterOutputStream;
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
 * Elastic APM intake v2 on the real embedded Kafka: server information, agent configuration, the
 * event stream (held open, compressed, with odd lines), and every refusal. The app's rate is low
 * (100 events/s, a 10,000-event burst) so 429 can be reached.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.intake.events-per-second-per-app=100",
      // Every trace kept in full (the default keeps a tenth), so the sample is there to check.
      "upbeat.intake.samples.trace-rate=1"
    })
class ITElasticIntake {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  private static final String METADATA =
      "{\"metadata\":{\"service\":{\"name\":\"shop\",\"environment\":\"staging\","
          + "\"agent\":{\"name\":\"java\",\"version\":\"1.55.1\"}}}}\n";

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired Topics topics;

  private final UUID app = UUID.randomUUID();
  private String token;

  @BeforeEach
  void knownToken() {
    token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, app);
    await().atMost(Duration.ofSeconds(30)).until(() -> send(METADATA).statusCode() == 202);
  }

  @Test
  void answersServerInformationAndAnEmptyAgentConfiguration() {
    HttpResponse<String> info = TestHttp.get(url("/"));
    assertThat(info.statusCode()).isEqualTo(200);
    assertThat(info.body()).contains("\"version\":\"8.").contains("\"publish_ready\":true");

    HttpResponse<String> config =
        TestHttp.send(
            post(url("/config/v1/agents"), token, "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"service\":{\"name\":\"shop\",\"environment\":\"staging\"}}")));
    assertThat(config.statusCode()).isEqualTo(200);
    assertThat(config.body()).isEqualTo("{}");
    assertThat(config.headers().firstValue("Cache-Control").orElseThrow())
        .contains("max-age=30")
        .contains("must-revalidate");
    String etag = config.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> again =
        TestHttp.send(
            HttpRequest.newBuilder(URI.create(url("/config/v1/agents?service.name=shop")))
                .header("If-None-Match", etag)
                .GET());
    assertThat(again.statusCode()).isEqualTo(304);
  }

  @Test
  void takesAStreamHeldOpenWithSpansBeforeTheirTransactionAndOddLines() {
    long micros = Instant.now().toEpochMilli() * 1000;
    List<String> lines =
        List.of(
            METADATA,
            "{\"span\":{\"name\":\"SELECT FROM users\",\"type\":\"db.postgresql.query\","
                + "\"transaction_id\":\"t1\",\"timestamp\":"
                + (micros + 2000)
                + ",\"duration\":3.5}}\n",
            "{\"metricset\":{\"samples\":{\"jvm.memory.heap.used\":{\"value\":1}}}}\n",
            "not json at all\n",
            transaction("t1", "GET /users/{id}", micros, 12.5) + "\n",
            "{\"error\":{\"id\":\"e1\",\"timestamp\":"
                + micros
                + ",\"transaction_id\":\"t1\",\"transaction\":{\"name\":\"GET /users/{id}\"},"
                + "\"exception\":{\"type\":\"java.lang.IllegalStateException\",\"message\":\"no\","
                + "\"stacktrace\":[{\"classname\":\"com.shop.UserService\",\"function\":\"find\","
                + "\"filename\":\"UserService.java\",\"lineno\":42,\"library_frame\":false}]}}}\n");
    int before = mine().size();

    // Chunked, one line every 300 ms, as an agent streams its events.
    HttpResponse<String> r =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slowly(lines))));

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body()).isEmpty();
    List<EventBatch> batches = mine();
    assertThat(batches).hasSize(before + 1);
    EventBatch batch = batches.getLast();
    assertThat(batch.service().environment()).isEqualTo("staging");
    assertThat(batch.transactions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.name()).isEqualTo("GET /users/{id}");
              assertThat(t.durationMs()).isEqualTo(12.5);
              assertThat(t.spans())
                  .singleElement()
                  .satisfies(s -> assertThat(s.startMs()).isEqualTo(2.0));
            });
    assertThat(batch.samples()).hasSize(1);
    assertThat(batch.errors().getFirst().exception().stacktrace().getFirst().path())
        .isEqualTo("com/shop/UserService.java");
    // The service map's edge: the transaction's query, counted at intake.
    assertThat(batch.destinationMetrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.destination()).isEqualTo("postgresql");
              assertThat(m.count()).isEqualTo(1);
              assertThat(m.sumMs()).isEqualTo(3.5);
            });

    String metrics =
        TestHttp.get("http://127.0.0.1:" + managementPort + "/actuator/prometheus").body();
    assertThat(metrics)
        .contains("upbeat_intake_agent_events_skipped_total{")
        .contains("reason=\"invalid_json\"")
        .contains("upbeat_intake_agent_events_ignored_total{")
        .contains("protocol=\"elastic\"");
  }

  @Test
  void acceptsGzipAndDeflateAndAnswersVerbosely() throws IOException {
    String stream = METADATA + transaction("t2", "job", Instant.now().toEpochMilli() * 1000, 1);
    for (String encoding : List.of("gzip", "deflate")) {
      HttpResponse<String> r =
          TestHttp.send(
              post(url("/intake/v2/events?verbose"), token, "application/x-ndjson")
                  .header("Content-Encoding", encoding)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(compress(stream, encoding))));
      assertThat(r.statusCode()).as(encoding).isEqualTo(202);
      assertThat(r.body()).isEqualTo("{\"accepted\":1}");
    }
  }

  @Test
  void metadataAloneIsAcceptedAndEnqueuesNothing() {
    int before = mine().size();
    assertThat(send(METADATA).statusCode()).isEqualTo(202);
    assertThat(mine()).hasSize(before);
  }

  @Test
  void refusesTheWholeStreamOnlyForAuthTypeEncodingMetadataAndSize() throws IOException {
    HttpResponse<String> noToken =
        TestHttp.send(
            post(url("/intake/v2/events"), null, "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(METADATA)));
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.body())
        .contains("\"error\":\"unauthorized\"")
        .contains("\"accepted\":0")
        .contains("\"errors\":[{\"message\":");

    HttpResponse<String> unknown =
        TestHttp.send(
            post(
                    url("/intake/v2/events"),
                    IntakeTestSupport.newSecretToken(),
                    "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(METADATA)));
    assertThat(unknown.statusCode()).isEqualTo(401);

    HttpResponse<String> xml =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString(METADATA)));
    assertThat(xml.statusCode()).isEqualTo(415);

    HttpResponse<String> brotli =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/x-ndjson")
                .header("Content-Encoding", "br")
                .POST(HttpRequest.BodyPublishers.ofString(METADATA)));
    assertThat(brotli.statusCode()).isEqualTo(415);

    HttpResponse<String> badGzip =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/x-ndjson")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString(METADATA)));
    assertThat(badGzip.statusCode()).isEqualTo(400);

    assertThat(send("").statusCode()).isEqualTo(400);
    HttpResponse<String> noMetadata = send(transaction("t", "x", 1, 1) + "\n");
    assertThat(noMetadata.statusCode()).isEqualTo(400);
    assertThat(noMetadata.body()).contains("\"error\":\"invalid_payload\"");

    // 6 MiB of log lines, gzipped to a few KiB: refused once 5 MiB are inflated.
    String line = "{\"log\":{\"message\":\"" + "x".repeat(1000) + "\"}}\n";
    HttpResponse<String> bomb =
        TestHttp.send(
            post(url("/intake/v2/events"), token, "application/x-ndjson")
                .header("Content-Encoding", "gzip")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        compress(METADATA + line.repeat(6 * 1024), "gzip"))));
    assertThat(bomb.statusCode()).isEqualTo(413);
    assertThat(bomb.body()).contains("\"error\":\"payload_too_large\"");
  }

  @Test
  void limitsTheAppsEventRate() {
    // The bucket holds 10,000 events; spend it through /v1/events, then stream more.
    assertThat(
            TestHttp.send(
                    post(url("/v1/events"), token, "application/json")
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                Payloads.transactions(Instant.now(), 10_000))))
                .statusCode())
        .isEqualTo(202);
    long micros = Instant.now().toEpochMilli() * 1000;
    StringBuilder stream = new StringBuilder(METADATA);
    for (int i = 0; i < 500; i++) {
      stream.append(transaction("r" + i, "x", micros, 1)).append('\n');
    }
    HttpResponse<String> limited = send(stream.toString());
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private HttpResponse<String> send(String body) {
    return TestHttp.send(
        post(url("/intake/v2/events"), token, "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private List<EventBatch> mine() {
    return committedBatches(stack.stack().bootstrapServers(), topics.events()).stream()
        .filter(b -> b.appId().equals(app))
        .toList();
  }

  private static String transaction(String id, String name, long micros, double durationMs) {
    return "{\"transaction\":{\"id\":\""
        + id
        + "\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"name\":\""
        + name
        + "\",\"type\":\"request\",\"timestamp\":"
        + micros
        + ",\"duration\":"
        + durationMs
        + ",\"result\":\"HTTP 2xx\",\"outcome\":\"success\",\"sampled\":true,"
        + "\"span_count\":{\"started\":1,\"dropped\":0},\"some_future_field\":[1]}}";
  }

  /** The lines one at a time, 300 ms apart. */
  private static InputStream slowly(List<String> lines) {
    return new SequenceInputStream(
        Collections.enumeration(
            lines.stream()
                .map(
                    l ->
                        (InputStream)
                            new InputStream() {
                              private InputStream bytes;

                              @Override
                              public int read() throws IOException {
                                byte[] one = new byte[1];
                                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                              }

                              @Override
                              public int read(byte[] b, int off, int len) throws IOException {
                                if (bytes == null) {
                                  try {
                                    Thread.sleep(300);
                                  } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                  }
                                  bytes =
                                      new java.io.ByteArrayInputStream(
                                          l.getBytes(StandardCharsets.UTF_8));
                                }
                                return bytes.read(b, off, len);
                              }
                            })
                .toList()));
  }

  private static byte[] compress(String s, String encoding) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var z =
        encoding.equals("gzip") ? new GZIPOutputStream(out) : new DeflaterOutputStream(out)) {
      z.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
