package io.upbeat.intake;

import static io.upbeat.intake.http.IntakeTestSupport.committedBatches;
import static io.upbeat.intake.http.IntakeTestSupport.post;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.upbeat.events.EventBatch;
import io.upbeat.events.Topics;
import io.upbeat.intake.http.IntakeTestSupport;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The contract's "Text and hostile input" at all three receivers on the real embedded Kafka: text
 * that is valid JSON but not storable is accepted with U+FFFD (as decoded from the Kafka record),
 * bytes that are not well-formed UTF-8 are refused with nothing enqueued, and hostile shapes (deep
 * nesting, huge strings, millions of empty spans, a trickled upload) get a clean 4xx in bounded
 * time. The read deadline is 2 s here so the trickling client is cheap.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "upbeat.intake.budget.read-timeout=2s",
      "upbeat.intake.budget.stream-read-timeout=2s"
    })
class ITHostileInput {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  private static final String ELASTIC_METADATA =
      "{\"metadata\":{\"service\":{\"name\":\"shop\",\"agent\":{\"name\":\"java\",\"version\":\"1\"}}}}\n";

  /** Bytes that are not well-formed UTF-8, each put inside a string. */
  private static final List<byte[]> MALFORMED =
      List.of(
          new byte[] {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
          new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate U+D800
          new byte[] {(byte) 0xE2, (byte) 0x82}, // truncated
          new byte[] {(byte) 0xFF}); // invalid

  /** Valid JSON escapes that are not storable text, and odd but storable text. */
  private static final String UNSTORABLE = "a\\u0000b\\ud800c";

  private static final String STORED = "a\uFFFDb\uFFFDc";
  private static final String ODD = "\u0001\u001f\u202E\u200F𝄞😀";

  /** {@link #ODD} in JSON: C0 controls must be escaped there. */
  private static final String ODD_JSON = "\\u0001\\u001f\u202E\u200F𝄞😀";

  @LocalServerPort int port;
  @Autowired Topics topics;
  @Autowired MeterRegistry meters;

  private final UUID app = UUID.randomUUID();
  private String token;

  @BeforeEach
  void knownToken() {
    token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, app);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> events(Payloads.valid(Instant.now())).statusCode() == 202);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private HttpResponse<String> send(String path, String type, byte[] body, String encoding) {
    HttpRequest.Builder b = post(url(path), token, type);
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return TestHttp.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private HttpResponse<String> events(String body) {
    return send("/v1/events", "application/json", utf8(body), null);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code body} with {@code bytes} in place of the first {@code marker}. */
  private static byte[] inject(String body, String marker, byte[] bytes) {
    int at = body.indexOf(marker);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(utf8(body.substring(0, at)));
    out.writeBytes(bytes);
    out.writeBytes(utf8(body.substring(at + marker.length())));
    return out.toByteArray();
  }

  /** The one batch of this app that is not among {@code before}. */
  private EventBatch newSince(List<EventBatch> before) {
    List<UUID> seen = before.stream().map(EventBatch::batchId).toList();
    List<EventBatch> added = mine().stream().filter(b -> !seen.contains(b.batchId())).toList();
    assertThat(added).hasSize(1);
    return added.getFirst();
  }

  private List<EventBatch> mine() {
    return committedBatches(stack.stack().bootstrapServers(), topics.events()).stream()
        .filter(b -> b.appId().equals(app))
        .toList();
  }

  private double replaced(String receiver) {
    return meters.counter("upbeat.intake.text.replaced", "receiver", receiver).count();
  }

  // ------------------------------------------------------------------ /v1/events

  @Test
  void eventsReplaceUnstorableEscapesEverywhereAndKeepOddText() {
    List<EventBatch> earlier = mine();
    double replacedBefore = replaced("events");
    String body =
        Payloads.valid(Instant.now())
            .replace("user is null", UNSTORABLE + ODD_JSON)
            .replace("SELECT FROM users", UNSTORABLE)
            .replace("\"find\"", "\"" + UNSTORABLE + "\"")
            .replace("\"region\": \"eu\"", "\"" + UNSTORABLE + "\": \"" + UNSTORABLE + "\"");

    HttpResponse<String> r = events(body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    EventBatch batch = newSince(earlier);
    assertThat(batch.errors().getFirst().exception().message()).isEqualTo(STORED + ODD);
    assertThat(batch.errors().getFirst().exception().stacktrace().getFirst().function())
        .isEqualTo(STORED);
    assertThat(batch.transactions().getFirst().spans().getFirst().name()).isEqualTo(STORED);
    assertThat(batch.transactions().getFirst().contextJson())
        .doesNotContain("\\u0000")
        .doesNotContainIgnoringCase("\\ud800")
        .contains("b\uFFFDc");
    // Two escapes in each of five strings (the tag's key and value among them).
    assertThat(replaced("events") - replacedBefore).isEqualTo(10);
  }

  /**
   * M15's trace links: a destination is text (unstorable escapes replaced), an id is not (anything
   * but 1-64 letters, digits, '_' and '-' is a 400 naming the field, nothing enqueued).
   */
  @Test
  void eventsTraceLinksTakeStorableDestinationsAndRefuseIdsThatAreNotIds() {
    List<EventBatch> earlier = mine();
    String span = "\"duration_ms\": 3.4}";
    HttpResponse<String> ok =
        events(
            Payloads.valid(Instant.now())
                .replace(
                    span,
                    "\"duration_ms\": 3.4, \"id\": \"53995c3f42cd8ad8\", \"parent_id\": \"a1b2c3\","
                        + " \"destination\": \""
                        + UNSTORABLE
                        + ODD_JSON
                        + "\", \"outcome\": \"success\"}"));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    EventBatch okBatch = newSince(earlier);
    io.upbeat.events.Span stored = okBatch.transactions().getFirst().spans().getFirst();
    assertThat(stored.destination()).isEqualTo(STORED + ODD);
    // The call counted for the service map names the same storable destination.
    assertThat(okBatch.destinationMetrics())
        .singleElement()
        .satisfies(m -> assertThat(m.destination()).isEqualTo(STORED + ODD));
    assertThat(stored.id()).isEqualTo("53995c3f42cd8ad8");

    List<EventBatch> before = mine();
    String huge = "f".repeat(100_000);
    for (String[] bad :
        new String[][] {
          {
            "\"trace_id\": \"0af7651916cd43dd8448eb211c80319c\"",
            "\"trace_id\": \"" + huge + "\"",
            "transactions[0].trace_id"
          },
          {"\"id\": \"a1b2c3\"", "\"id\": \"a1\\u0000\"", "transactions[0].id"},
          {
            "\"id\": \"a1b2c3\"",
            "\"id\": \"a1b2c3\", \"parent_id\": \"\\ud800\"",
            "transactions[0].parent_id"
          },
          {
            "\"transaction_id\": \"a1b2c3\"",
            "\"transaction_id\": \"a1b2c3\", \"trace_id\": \"0AF7 651\"",
            "errors[0].trace_id"
          },
          {
            "\"transaction_id\": \"a1b2c3\"",
            "\"transaction_id\": \"a1b2c3\", \"parent_id\": \"\"",
            "errors[0].parent_id"
          },
          {
            span,
            "\"duration_ms\": 3.4, \"outcome\": \"\\u0000\"}",
            "transactions[0].spans[0].outcome"
          },
          {span, "\"duration_ms\": 3.4, \"id\": \"" + huge + "\"}", "transactions[0].spans[0].id"},
          {
            span,
            "\"duration_ms\": 3.4, \"destination\": \"" + huge + "\"}",
            "transactions[0].spans[0].destination"
          }
        }) {
      HttpResponse<String> r = events(Payloads.valid(Instant.now()).replace(bad[0], bad[1]));
      assertThat(r.statusCode()).as(bad[2]).isEqualTo(400);
      assertThat(r.body())
          .contains("\"error\":\"invalid_payload\"")
          .contains("\"field\":\"" + bad[2] + "\"");
    }
    assertThat(mine()).hasSameSizeAs(before);
  }

  /**
   * An agent's destination metric: its destination is text like any other (unstorable escapes
   * replaced, accepted); one over 256 characters (a span's limit), or a 100 KB one, is a 400 naming
   * it.
   */
  @Test
  void eventsDestinationMetricsTakeStorableDestinationsAndRefuseLongOnes() {
    io.upbeat.metrics.LatencySketch sketch = io.upbeat.metrics.LatencySketch.empty();
    sketch.add(2);
    String metric =
        ", \"destination_metrics\": [{\"destination\": \"%s\", \"timestamp\": \"%s\","
            + " \"count\": 1, \"sum_ms\": 2, \"min_ms\": 2, \"max_ms\": 2, \"sketch\": \"%s\"}]}";
    String base64 = java.util.Base64.getEncoder().encodeToString(sketch.toBytes());
    java.util.function.Function<String, String> body =
        destination -> {
          String valid = Payloads.valid(Instant.now()).strip();
          return valid.substring(0, valid.length() - 1)
              + metric.formatted(destination, Instant.now().minusSeconds(60), base64);
        };

    List<EventBatch> earlier = mine();
    HttpResponse<String> ok = events(body.apply(UNSTORABLE + ODD_JSON));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(ok.body()).contains("\"destination_metrics\":1");
    assertThat(newSince(earlier).destinationMetrics())
        .singleElement()
        .satisfies(m -> assertThat(m.destination()).isEqualTo(STORED + ODD));

    List<EventBatch> before = mine();
    for (String bad : List.of("d".repeat(257), "d".repeat(100_000), "")) {
      HttpResponse<String> r = events(body.apply(bad));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(r.body())
          .contains("\"error\":\"invalid_payload\"")
          .contains("\"field\":\"destination_metrics[0].destination\"");
    }
    assertThat(mine()).hasSameSizeAs(before);
  }

  @Test
  void eventsRefuseMalformedBytesAndEnqueueNothing() {
    int before = mine().size();
    for (byte[] bad : MALFORMED) {
      HttpResponse<String> r =
          send(
              "/v1/events",
              "application/json",
              inject(Payloads.valid(Instant.now()), "is null", bad),
              null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("\"error\":\"invalid_json\"").contains("not well-formed UTF-8");
    }
    assertThat(mine()).hasSize(before);
  }

  @Test
  void eventsAnswerHostileShapesWithA4xx() {
    String deep = "[".repeat(50_000) + "]".repeat(50_000);
    assertThat(events(Payloads.valid(Instant.now()).replace("\"eu\"", deep)).statusCode())
        .isEqualTo(400);
    assertThat(events("{\"service\":" + deep + "}").statusCode()).isEqualTo(400);
    HttpResponse<String> big =
        events(Payloads.valid(Instant.now()).replace("user is null", "x".repeat(100_000)));
    assertThat(big.statusCode()).isEqualTo(400);
    assertThat(big.body()).contains("errors[0].exception.message");
  }

  // ------------------------------------------------------------------ OTLP

  private static Span span(String name, KeyValue... attributes) {
    long now = Instant.now().getEpochSecond() * 1_000_000_000L;
    return Span.newBuilder()
        .setTraceId(
            ByteString.copyFrom(HexFormat.of().parseHex("5b8efff798038103d269b633813fc60c")))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex("eee19b7ec3c1b174")))
        .setName(name)
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(now)
        .setEndTimeUnixNano(now + 1_000_000)
        .addAllAttributes(List.of(attributes))
        .build();
  }

  private static byte[] traces(Span span) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(
                            KeyValue.newBuilder()
                                .setKey("service.name")
                                .setValue(AnyValue.newBuilder().setStringValue("shop"))))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
        .build()
        .toByteArray();
  }

  @Test
  void otlpProtobufReplacesNulAndRefusesMalformedStringFields() throws Exception {
    List<EventBatch> earlier = mine();
    KeyValue url =
        KeyValue.newBuilder()
            .setKey("url.path")
            .setValue(AnyValue.newBuilder().setStringValue("/a\u0000b"))
            .build();

    HttpResponse<String> ok =
        send("/v1/traces", "application/x-protobuf", traces(span("GET \u0000", url)), null);

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(newSince(earlier).transactions().getFirst().name()).isEqualTo("GET \uFFFD");

    // The same request with the span name's bytes replaced by malformed ones of equal length.
    for (byte[] bad : MALFORMED) {
      String placeholder = "Q".repeat(bad.length);
      byte[] body = traces(span(placeholder));
      int at = indexOf(body, utf8(placeholder));
      System.arraycopy(bad, 0, body, at, bad.length);
      HttpResponse<String> r = send("/v1/traces", "application/x-protobuf", body, null);
      assertThat(r.statusCode()).isEqualTo(400);
    }
    assertThat(mine()).hasSize(earlier.size() + 1);
  }

  @Test
  void otlpJsonReplacesUnstorableEscapesAndRefusesMalformedBytes() {
    List<EventBatch> earlier = mine();
    double replacedBefore = replaced("otlp");
    long now = Instant.now().getEpochSecond() * 1_000_000_000L;
    String json =
        ("{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
                + "\"value\":{\"stringValue\":\"shop\"}}]},\"scopeSpans\":[{\"spans\":[{"
                + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
                + "\"name\":\"NAME\",\"kind\":2,\"startTimeUnixNano\":\"%d\",\"endTimeUnixNano\":\"%d\"}]}]}]}")
            .formatted(now, now + 1_000_000);

    HttpResponse<String> ok =
        send("/v1/traces", "application/json", utf8(json.replace("NAME", UNSTORABLE)), null);

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(newSince(earlier).transactions().getFirst().name()).isEqualTo(STORED);
    assertThat(replaced("otlp") - replacedBefore).isPositive();
    for (byte[] bad : MALFORMED) {
      HttpResponse<String> r =
          send("/v1/traces", "application/json", inject(json, "NAME", bad), null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("\"error\":\"invalid_json\"").contains("\"code\":3");
    }
    String deep = "[".repeat(50_000) + "]".repeat(50_000);
    assertThat(
            send("/v1/traces", "application/json", utf8(json.replace("\"NAME\"", deep)), null)
                .statusCode())
        .isEqualTo(400);
    assertThat(mine()).hasSize(earlier.size() + 1);
  }

  @Test
  void otlpRefusesMillionsOfEmptySpansFastFromASmallGzipBody() throws IOException {
    // 2.5 million empty spans: 5 MB decoded, ~5 KB gzipped.
    byte[] scope = new byte[5_000_000];
    for (int i = 0; i < scope.length; i += 2) {
      scope[i] = 2 << 3 | 2; // ScopeSpans.spans = {}
    }
    byte[] body = field(1, field(2, scope));
    long start = System.nanoTime();

    HttpResponse<String> r = send("/v1/traces", "application/x-protobuf", gzip(body), "gzip");

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
  }

  // ------------------------------------------------------------------ Elastic

  @Test
  void elasticReplacesUnstorableEscapesAndRefusesMalformedBytes() {
    List<EventBatch> earlier = mine();
    double replacedBefore = replaced("elastic");
    long micros = Instant.now().toEpochMilli() * 1000;
    String line =
        "{\"transaction\":{\"id\":\"t1\",\"trace_id\":\"tr\",\"name\":\"NAME\",\"type\":\"request\","
            + "\"duration\":1.5,\"timestamp\":"
            + micros
            + ",\"context\":{\"tags\":{\"k\":\"NAME\"}}}}\n";

    HttpResponse<String> ok =
        send(
            "/intake/v2/events",
            "application/x-ndjson",
            utf8(ELASTIC_METADATA + line.replace("NAME", UNSTORABLE + ODD_JSON)),
            null);

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    EventBatch batch = newSince(earlier);
    assertThat(batch.transactions().getFirst().name()).isEqualTo(STORED + ODD);
    assertThat(batch.transactions().getFirst().contextJson()).contains(STORED);
    assertThat(replaced("elastic") - replacedBefore).isEqualTo(4);
    for (byte[] bad : MALFORMED) {
      HttpResponse<String> r =
          send(
              "/intake/v2/events",
              "application/x-ndjson",
              inject(ELASTIC_METADATA + line, "NAME", bad),
              null);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("\"error\":\"invalid_json\"").contains("UTF-8");
    }
    String deep = "[".repeat(50_000) + "]".repeat(50_000);
    assertThat(
            send(
                    "/intake/v2/events",
                    "application/x-ndjson",
                    utf8(ELASTIC_METADATA + deep + "\n"),
                    null)
                .statusCode())
        .isEqualTo(202); // a bad line is skipped and counted, as Elastic's own server does
    assertThat(mine()).hasSize(earlier.size() + 1);
  }

  // ------------------------------------------------------------------ slow uploads

  @Test
  void aTrickledBodyIsCutAtTheReadDeadlineAtEveryReceiver() throws Exception {
    for (String[] receiver :
        new String[][] {
          {"/v1/events", "application/json"},
          {"/v1/traces", "application/json"},
          {"/intake/v2/events", "application/x-ndjson"}
        }) {
      long start = System.nanoTime();
      Trickled trickled = trickle(receiver[0], receiver[1]);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(trickled.answer())
          .as(receiver[0])
          .startsWith("HTTP/1.1 400")
          .contains("did not arrive within 2 s");
      assertThat(ms).as(receiver[0]).isBetween(1_900L, 6_000L);
      // The server does not go on reading the rest of the body, byte by byte, after answering:
      // it closes the connection while the client is still trickling.
      assertThat(trickled.closedAfterAnswer()).as(receiver[0] + " closed").isTrue();
    }
  }

  private record Trickled(String answer, boolean closedAfterAnswer) {}

  /**
   * Sends headers for a 1,000-byte body, then one byte every 200 ms; returns the answer, and
   * whether the server closed the connection within 3 s after it.
   */
  private Trickled trickle(String path, String type) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          utf8(
              "POST "
                  + path
                  + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Type: "
                  + type
                  + "\r\nContent-Length: 1000\r\n\r\n"));
      out.flush();
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 100; i++) {
                        out.write(' ');
                        out.flush();
                        Thread.sleep(200);
                      }
                    } catch (IOException | InterruptedException e) {
                      // the server closed the connection: expected
                    }
                  });
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() < until) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        answer.write(buffer, 0, n);
        String s = answer.toString(StandardCharsets.UTF_8);
        int headerEnd = s.indexOf("\r\n\r\n");
        if (headerEnd > 0 && s.indexOf('}', headerEnd) > 0) {
          break;
        }
      }
      boolean closed = false;
      long closeBy = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      socket.setSoTimeout(500);
      while (!closed && System.nanoTime() < closeBy) {
        try {
          closed = in.read(buffer) < 0;
        } catch (java.net.SocketTimeoutException e) {
          // still open; look again
        } catch (IOException e) {
          closed = true; // reset by the server
        }
      }
      writer.interrupt();
      return new Trickled(answer.toString(StandardCharsets.UTF_8), closed);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] field(int field, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 8);
    out.write(field << 3 | 2);
    int n = content.length;
    while (n >= 0x80) {
      out.write(n & 0x7F | 0x80);
      n >>>= 7;
    }
    out.write(n);
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (haystack[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }
}
