package io.upbeat.intake.otlp;

import static io.upbeat.intake.http.IntakeTestSupport.committedBatches;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import io.upbeat.events.EventBatch;
import io.upbeat.events.Topics;
import io.upbeat.intake.http.IntakeTestSupport;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * OTLP/HTTP on the real embedded Kafka: protobuf and JSON (hex ids, unknown fields), gzip, empty
 * requests, partial success, and every refusal with the OTLP status and body. Small limits (50
 * events a request, 50 a second per app) so oversize and 429 are cheap to reach.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.intake.limits.max-events=50",
      "upbeat.intake.limits.max-body=64KB",
      "upbeat.intake.events-per-second-per-app=50",
      // Every trace kept in full (the default keeps a tenth), so the samples are there to check.
      "upbeat.intake.samples.trace-rate=1"
    })
class ITOtlp {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

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
        .until(
            () ->
                send("/v1/metrics", "application/x-protobuf", new byte[0], null).statusCode()
                    == 200);
  }

  @Test
  void protobufTracesBecomeOneBatchWithTransactionSamplesAndErrors() throws Exception {
    Instant now = Instant.now();
    byte[] body = OtlpFixtures.traces(OtlpFixtures.request(now, 500, true)).toByteArray();

    HttpResponse<byte[]> r = send("/v1/traces", "application/x-protobuf", body, null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/x-protobuf"));
    assertThat(ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();
    EventBatch batch =
        await().atMost(Duration.ofSeconds(30)).until(this::mine, b -> !b.isEmpty()).getFirst();
    assertThat(batch.service().name()).isEqualTo("shop-web");
    assertThat(batch.service().environment()).isEqualTo("staging");
    assertThat(batch.transactions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.name()).isEqualTo("GET /users/{id}/discount");
              assertThat(t.durationMs()).isEqualTo(12.5);
              assertThat(t.outcome()).isEqualTo("failure");
            });
    assertThat(batch.samples()).singleElement().satisfies(t -> assertThat(t.spans()).hasSize(2));
    assertThat(batch.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.exception().stacktrace()).hasSize(4);
              assertThat(e.transactionId()).isEqualTo(OtlpFixtures.SERVER);
            });
    // The service map's edge: the transaction's database query, counted at intake.
    assertThat(batch.destinationMetrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.destination()).isEqualTo("h2");
              assertThat(m.count()).isEqualTo(1);
              assertThat(m.sumMs()).isEqualTo(3.0);
            });
  }

  @Test
  void jsonWithHexIdsAndUnknownFieldsGzippedIsAnsweredInJson() throws Exception {
    long start = OtlpFixtures.nanos(Instant.now());
    String json =
        OtlpJsonTest.BODY
            .replace("\"1794305730000000000\"", "\"" + start + "\"")
            .replace("1794305730012500000", String.valueOf(start + 12_500_000));

    HttpResponse<byte[]> r = send("/v1/traces", "application/json", gzip(json), "gzip");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
    EventBatch batch =
        await().atMost(Duration.ofSeconds(30)).until(this::mine, b -> !b.isEmpty()).getFirst();
    assertThat(batch.transactions().getFirst().traceId())
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(batch.transactions().getFirst().id()).isEqualTo("eee19b7ec3c1b174");
    assertThat(batch.transactions().getFirst().durationMs()).isEqualTo(12.5);
  }

  @Test
  void childrenExportedBeforeTheirTransactionTravelAsOrphansOfIt() throws Exception {
    Instant now = Instant.now();
    List<Span> spans = OtlpFixtures.request(now, 200, false);
    // The SDK's first batch: the query and the handler; the next: the server span.
    byte[] children = OtlpFixtures.traces(spans.subList(0, 2)).toByteArray();
    byte[] server = OtlpFixtures.traces(spans.subList(2, 3)).toByteArray();

    assertThat(send("/v1/traces", "application/x-protobuf", children, null).statusCode())
        .isEqualTo(200);
    assertThat(send("/v1/traces", "application/x-protobuf", server, null).statusCode())
        .isEqualTo(200);

    List<EventBatch> batches =
        await().atMost(Duration.ofSeconds(30)).until(this::mine, b -> b.size() == 2);
    EventBatch first =
        batches.stream().filter(b -> b.transactions().isEmpty()).findFirst().orElseThrow();
    assertThat(first.orphanSpans())
        .extracting(o -> o.traceId(), o -> o.transactionId(), o -> o.span().name())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                OtlpFixtures.TRACE, OtlpFixtures.SERVER, "SELECT shop.users"),
            org.assertj.core.groups.Tuple.tuple(
                OtlpFixtures.TRACE, OtlpFixtures.SERVER, "ShopApplication.discount"));
    EventBatch second =
        batches.stream().filter(b -> !b.transactions().isEmpty()).findFirst().orElseThrow();
    assertThat(second.samples()).singleElement().satisfies(t -> assertThat(t.spans()).isEmpty());
    // The query is counted once, in the request that had it.
    assertThat(first.destinationMetrics())
        .singleElement()
        .satisfies(m -> assertThat(m.destination()).isEqualTo("h2"));
    assertThat(second.destinationMetrics()).isEmpty();
  }

  @Test
  void emptyRequestsAndMetricsAreAcceptedAndEnqueueNothing() {
    assertThat(send("/v1/traces", "application/x-protobuf", new byte[0], null).statusCode())
        .isEqualTo(200);
    assertThat(
            send("/v1/traces", "application/json", "{}".getBytes(StandardCharsets.UTF_8), null)
                .statusCode())
        .isEqualTo(200);
    assertThat(send("/v1/logs", "application/json", new byte[0], null).statusCode()).isEqualTo(200);
    assertThat(
            send(
                    "/v1/metrics",
                    "application/json",
                    "{\"resourceMetrics\":[]}".getBytes(StandardCharsets.UTF_8),
                    null)
                .statusCode())
        .isEqualTo(200);
    assertThat(mine()).isEmpty();
  }

  @Test
  void itemsOutsideTheWindowComeBackAsPartialSuccess() throws Exception {
    Instant old = Instant.now().minus(Duration.ofDays(9));
    List<Span> spans = new ArrayList<>(OtlpFixtures.request(Instant.now(), 200, false));
    spans.add(
        spans.getLast().toBuilder()
            .setSpanId(OtlpFixtures.id("00000000000000aa"))
            .setStartTimeUnixNano(OtlpFixtures.nanos(old))
            .setEndTimeUnixNano(OtlpFixtures.nanos(old) + 10)
            .build());

    HttpResponse<byte[]> r =
        send(
            "/v1/traces", "application/x-protobuf", OtlpFixtures.traces(spans).toByteArray(), null);

    assertThat(r.statusCode()).isEqualTo(200);
    var partial = ExportTraceServiceResponse.parseFrom(r.body()).getPartialSuccess();
    assertThat(partial.getRejectedSpans()).isEqualTo(1);
    assertThat(partial.getErrorMessage()).contains("days old");

    HttpResponse<byte[]> json =
        send(
            "/v1/logs",
            "application/json",
            ("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\""
                    + OtlpFixtures.nanos(old)
                    + "\",\"severityNumber\":17,\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"X\"}}]}]}]}]}")
                .getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(new String(json.body(), StandardCharsets.UTF_8))
        .contains("\"partialSuccess\":{\"rejectedLogRecords\":\"1\"");
    String metrics =
        io.upbeat.localstack.junit.TestHttp.get(
                "http://127.0.0.1:" + managementPort + "/actuator/prometheus")
            .body();
    assertThat(metrics)
        .contains(
            "upbeat_intake_agent_items_rejected_total{application=\"intake-service\",protocol=\"otlp\"}")
        .contains(
            "upbeat_intake_agent_requests_total{application=\"intake-service\",protocol=\"otlp\",result=\"accepted\"}");
  }

  @Test
  void refusalsCarryTheOtlpStatusInTheRequestsType() throws Exception {
    byte[] valid =
        OtlpFixtures.traces(OtlpFixtures.request(Instant.now(), 200, false)).toByteArray();

    HttpResponse<byte[]> undecodable =
        send("/v1/traces", "application/x-protobuf", new byte[] {(byte) 0xff, 0x01, 0x02}, null);
    assertThat(undecodable.statusCode()).isEqualTo(400);
    assertThat(status(undecodable.body())).isEqualTo(3);

    HttpResponse<byte[]> badJson =
        send(
            "/v1/traces",
            "application/json",
            "{\"resourceSpans\":[".getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(new String(badJson.body(), StandardCharsets.UTF_8))
        .contains("\"error\":\"invalid_json\"")
        .contains("\"code\":3");

    HttpResponse<byte[]> badGzip = send("/v1/traces", "application/x-protobuf", valid, "gzip");
    assertThat(badGzip.statusCode()).isEqualTo(400);

    HttpResponse<byte[]> unknownToken =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url("/v1/traces")))
                .header("Authorization", "Bearer ub_app_nope")
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(valid))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(unknownToken.statusCode()).isEqualTo(401);
    assertThat(status(unknownToken.body())).isEqualTo(16);

    assertThat(send("/v1/traces", "text/plain", valid, null).statusCode()).isEqualTo(415);

    HttpResponse<byte[]> huge =
        send("/v1/traces", "application/x-protobuf", gzipBytes(new byte[200_000]), "gzip");
    assertThat(huge.statusCode()).isEqualTo(413);

    List<Span> many = new ArrayList<>();
    for (int i = 0; i < 51; i++) {
      many.add(
          OtlpFixtures.request(Instant.now(), 200, false).getLast().toBuilder()
              .setSpanId(OtlpFixtures.id(String.format("%016x", i + 1)))
              .build());
    }
    HttpResponse<byte[]> tooMany =
        send("/v1/traces", "application/x-protobuf", OtlpFixtures.traces(many).toByteArray(), null);
    assertThat(tooMany.statusCode()).isEqualTo(413);
    assertThat(mine()).isEmpty();
  }

  @Test
  void overTheAppsRateIs429WithRetryAfter() throws IOException {
    List<Span> forty = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      forty.add(
          OtlpFixtures.request(Instant.now(), 200, false).getLast().toBuilder()
              .setSpanId(OtlpFixtures.id(String.format("%016x", i + 1)))
              .build());
    }
    byte[] body = OtlpFixtures.traces(forty).toByteArray();
    assertThat(send("/v1/traces", "application/x-protobuf", body, null).statusCode())
        .isEqualTo(200);

    HttpResponse<byte[]> limited = send("/v1/traces", "application/x-protobuf", body, null);

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 5L);
    assertThat(status(limited.body())).isEqualTo(8);
  }

  private List<EventBatch> mine() {
    return committedBatches(stack.stack().bootstrapServers(), topics.events()).stream()
        .filter(b -> b.appId().equals(app))
        .toList();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private HttpResponse<byte[]> send(String path, String type, byte[] body, String encoding) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url(path)))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The code of a google.rpc.Status body. */
  static int status(byte[] body) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(body);
    int code = -1;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == (1 << 3)) {
        code = in.readInt32();
      } else {
        in.skipField(tag);
      }
    }
    return code;
  }

  private static byte[] gzip(String s) throws IOException {
    return gzipBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] gzipBytes(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
