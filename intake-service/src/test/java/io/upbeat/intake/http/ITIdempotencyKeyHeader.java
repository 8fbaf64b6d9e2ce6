package io.upbeat.intake.http;

import static io.upbeat.intake.http.IntakeTestSupport.committedRecords;
import static io.upbeat.intake.http.IntakeTestSupport.publishToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.Topics;
import io.upbeat.intake.publish.IdempotencyKey;
import io.upbeat.intake.validate.Payloads;
import io.upbeat.localstack.junit.LocalStackExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code Idempotency-Key} header on every receiver ({@code /v1/events}, OTLP, Elastic), sent as
 * raw bytes so any byte reaches the server: absent, it is not needed; valid (1-128 printable
 * ASCII), it is written on every record of the request, one distinct key per record; anything else
 * is a 400 naming the header, never a 5xx, and nothing is enqueued.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ITIdempotencyKeyHeader {
  @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();

  @DynamicPropertySource
  static void stackProperties(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> stack.stack().bootstrapServers());
    registry.add("upbeat.kafka.topic-prefix", () -> stack.stack().topicPrefix());
  }

  @LocalServerPort int port;
  @Autowired Topics topics;

  private final UUID app = UUID.randomUUID();
  private String token;

  /** One receiver: its path, content type and a valid body. */
  private record Receiver(String path, String contentType, String body) {}

  private List<Receiver> receivers() {
    Instant now = Instant.now();
    long micros = now.toEpochMilli() * 1000;
    long nanos = now.toEpochMilli() * 1_000_000;
    String otlp =
        "{\"resourceSpans\": ["
            + resourceSpans("shop-web", "eee19b7ec3c1b174", nanos)
            + ","
            + resourceSpans("shop-worker", "fff19b7ec3c1b175", nanos)
            + "]}";
    String elastic =
        "{\"metadata\":{\"service\":{\"name\":\"shop\",\"environment\":\"staging\","
            + "\"agent\":{\"name\":\"java\",\"version\":\"1.55.1\"}}}}\n"
            + "{\"transaction\":{\"id\":\"t1\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\","
            + "\"name\":\"GET /x\",\"type\":\"request\",\"timestamp\":"
            + micros
            + ",\"duration\":3.5,\"result\":\"HTTP 2xx\",\"outcome\":\"success\","
            + "\"sampled\":true,\"span_count\":{\"started\":0,\"dropped\":0}}}\n";
    return List.of(
        new Receiver("/v1/events", "application/json", Payloads.valid(now)),
        new Receiver("/v1/traces", "application/json", otlp),
        new Receiver("/intake/v2/events", "application/x-ndjson", elastic));
  }

  private static String resourceSpans(String service, String spanId, long nanos) {
    return "{\"resource\": {\"attributes\": [{\"key\": \"service.name\", \"value\":"
        + " {\"stringValue\": \""
        + service
        + "\"}}]}, \"scopeSpans\": [{\"spans\": [{\"traceId\":"
        + " \"5b8efff798038103d269b633813fc60c\", \"spanId\": \""
        + spanId
        + "\", \"name\": \"GET /users/{id}\", \"kind\": 2, \"startTimeUnixNano\": \""
        + nanos
        + "\", \"endTimeUnixNano\": \""
        + (nanos + 12_500_000)
        + "\", \"status\": {\"code\": 1}}]}]}";
  }

  @BeforeEach
  void knownToken() {
    token = IntakeTestSupport.newSecretToken();
    publishToken(stack.stack().bootstrapServers(), topics.appTokens(), token, app);
    Receiver events = receivers().getFirst();
    await().atMost(Duration.ofSeconds(30)).until(() -> post(events, List.of()).status() == 202);
  }

  @Test
  void aValidKeyIsWrittenOnEveryRecordOfTheRequestAndNoneWithoutIt() throws Exception {
    String key = "batch 7 ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}" + "x".repeat(88);
    assertThat(key).hasSize(128);
    for (Receiver r : receivers()) {
      List<ConsumerRecord<byte[], byte[]>> before = mine();
      Answer a = post(r, List.of(header(key)));
      assertThat(a.status()).as(r.path()).isEqualTo(accepted(r));
      List<ConsumerRecord<byte[], byte[]>> added = since(before);
      if (r.path().equals("/v1/traces")) {
        // Two services, two records: each its own key, derived from the request's.
        assertThat(added).as(r.path()).hasSize(2);
        assertThat(added.stream().map(ITIdempotencyKeyHeader::key))
            .containsExactlyInAnyOrder(key + "\u001F0", key + "\u001F1");
      } else {
        assertThat(added)
            .as(r.path())
            .singleElement()
            .extracting(ITIdempotencyKeyHeader::key)
            .isEqualTo(key);
      }

      before = mine();
      assertThat(post(r, List.of()).status()).as(r.path()).isEqualTo(accepted(r));
      assertThat(since(before))
          .as(r.path())
          .isNotEmpty()
          .allSatisfy(rec -> assertThat(key(rec)).isNull());
    }
  }

  @Test
  void anInvalidKeyIsA400NamingTheHeaderAndEnqueuesNothing() throws Exception {
    List<List<byte[]>> invalid =
        List.of(
            List.of(header("")),
            List.of(header("k".repeat(129))),
            List.of(header("caf\u00e9".getBytes(StandardCharsets.UTF_8))),
            List.of(header("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1))),
            List.of(header(new byte[] {'a', '\t', 'b'})),
            List.of(header("first"), header("second")));
    // Control characters (but tab) never reach the application: Tomcat refuses the request's
    // head, answered with the contract's generic 400 (ErrorBodyAdvice).
    List<List<byte[]>> refusedByTheServer =
        List.of(
            List.of(header(new byte[] {'a', 0x01, 'b'})),
            List.of(header(new byte[] {'a', 0x7F, 'b'})),
            List.of(header(new byte[] {'a', 0x00, 'b'})),
            List.of(header(new byte[] {0x00})));
    for (Receiver r : receivers()) {
      int before = mine().size();
      for (List<byte[]> headers : invalid) {
        Answer a = post(r, headers);
        String what = r.path() + " " + printable(headers);
        assertThat(a.status()).as(what).isEqualTo(400);
        assertThat(a.body()).as(what).contains("invalid_payload").contains("Idempotency-Key");
        if (!r.path().equals("/v1/traces")) {
          assertThat(a.body())
              .as(what)
              .contains("\"details\":[{\"field\":\"Idempotency-Key\",\"problem\":\"must ");
        }
      }
      for (List<byte[]> headers : refusedByTheServer) {
        Answer a = post(r, headers);
        String what = r.path() + " " + printable(headers);
        assertThat(a.status()).as(what).isEqualTo(400);
        assertThat(a.body()).as(what).contains("\"error\":\"invalid_payload\"");
      }
      assertThat(mine()).as(r.path()).hasSize(before);
    }
  }

  /** OTLP answers success with 200, as its specification says; the others 202. */
  private static int accepted(Receiver r) {
    return r.path().equals("/v1/traces") ? 200 : 202;
  }

  private static String key(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(IdempotencyKey.RECORD_HEADER);
    return h == null ? null : new String(h.value(), StandardCharsets.US_ASCII);
  }

  /** The app's records written since {@code before} was read (the topic has many partitions). */
  private List<ConsumerRecord<byte[], byte[]>> since(List<ConsumerRecord<byte[], byte[]>> before) {
    Set<String> seen = new HashSet<>();
    before.forEach(r -> seen.add(r.partition() + "@" + r.offset()));
    return mine().stream().filter(r -> !seen.contains(r.partition() + "@" + r.offset())).toList();
  }

  private List<ConsumerRecord<byte[], byte[]>> mine() {
    return committedRecords(stack.stack().bootstrapServers(), topics.events()).stream()
        .filter(r -> EventBatchCodec.decode(r.value()).appId().equals(app))
        .toList();
  }

  private static byte[] header(String value) {
    return header(value.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] header(byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("Idempotency-Key: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static String printable(List<byte[]> headers) {
    List<String> shown = new ArrayList<>();
    for (byte[] h : headers) {
      StringBuilder s = new StringBuilder();
      for (byte b : h) {
        s.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b));
      }
      shown.add(s.toString());
    }
    return shown.toString();
  }

  record Answer(int status, String body) {}

  /** An HTTP/1.1 POST written byte for byte, so headers no client library would send arrive. */
  private Answer post(Receiver r, List<byte[]> headers) throws IOException {
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(
          ("POST "
                  + r.path()
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  + "Authorization: Bearer "
                  + token
                  + "\r\nContent-Type: "
                  + r.contentType()
                  + "\r\nContent-Length: "
                  + body.length
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      for (byte[] h : headers) {
        request.writeBytes(h);
        request.writeBytes(new byte[] {'\r', '\n'});
      }
      request.writeBytes(new byte[] {'\r', '\n'});
      request.writeBytes(body);
      out.write(request.toByteArray());
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(response.substring(9, 12));
      int split = response.indexOf("\r\n\r\n");
      return new Answer(status, split < 0 ? "" : response.substring(split + 4));
    }
  }
}
