package io.upbeat.intake.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.IntakeLimits;
import io.upbeat.intake.validate.LimitedInputStream;
import io.upbeat.support.web.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ElasticEventReaderTest {
  /** Shortly after the captured stream was recorded (its first transaction at 15:06:20.597 UTC). */
  private static final Instant CAPTURED = Instant.parse("2026-11-26T15:06:30Z");

  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
  private static final long NOW_MICROS = NOW.toEpochMilli() * 1000;
  private static final String METADATA =
      """
      {"metadata":{"service":{"name":"shop","version":"1.2.3","environment":"staging",\
      "agent":{"name":"java","version":"1.55.1"},"language":{"name":"Java"}},\
      "system":{"detected_hostname":"web-1"}}}""";

  private final UUID app = UUID.randomUUID();
  // Every trace kept in full, so each test sees its samples; the rate's own test chooses its own.
  private final ElasticEventReader reader =
      new ElasticEventReader(IntakeLimits.DEFAULTS, new TraceSampler(1));

  @Test
  void mapsWhatTheRealJavaAgentSent() throws IOException {
    ElasticOutcome.Read read;
    try (InputStream in = getClass().getResourceAsStream("/elastic/java-agent-1.55.1.ndjson")) {
      read = read(reader.read(in, app, UUID.randomUUID(), CAPTURED));
    }
    EventBatch batch = read.batch();
    assertThat(read.skipped()).isEmpty();
    assertThat(batch.service().name()).isEqualTo("shop");
    assertThat(batch.service().version()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(batch.service().environment()).isEqualTo("production");
    assertThat(batch.service().agentName()).isEqualTo("java");
    assertThat(batch.service().agentVersion()).isEqualTo("1.55.1");
    assertThat(batch.service().language()).isEqualTo("java");
    assertThat(batch.service().host()).isEqualTo("vm");

    assertThat(batch.transactions())
        .extracting(TransactionEvent::name, TransactionEvent::result, TransactionEvent::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Shop#user", "HTTP 2xx", "success"),
            org.assertj.core.groups.Tuple.tuple("Shop#discount", "HTTP 5xx", "failure"),
            org.assertj.core.groups.Tuple.tuple("Shop#discount", "HTTP 4xx", "success"));
    TransactionEvent user = batch.transactions().getFirst();
    assertThat(user.type()).isEqualTo("request");
    assertThat(user.durationMs()).isEqualTo(812.235);
    assertThat(user.timestamp()).isEqualTo(Instant.parse("2026-11-26T15:06:20.597029Z"));
    assertThat(user.traceId()).isEqualTo("ad0cc6317cbdf69ab9c2b21674a42899");
    assertThat(user.contextJson()).contains("\"pathname\":\"/users/42\"");
    // The span came before its transaction in the stream, and joins it.
    assertThat(user.spans()).hasSize(1);
    assertThat(user.spans().getFirst().name()).isEqualTo("SELECT FROM users");
    assertThat(user.spans().getFirst().type()).isEqualTo("db.h2.query");
    assertThat(user.spans().getFirst().durationMs()).isEqualTo(319.77);
    assertThat(user.spans().getFirst().startMs()).isCloseTo(163.932, within());
    // Every transaction is counted; those of kept traces (all, here) also as examples.
    assertThat(batch.samples()).hasSize(3);
    // Trace links: the transaction is a root; its span names its parent and where it went.
    assertThat(user.id()).isEqualTo("59098ed10f57cd77");
    assertThat(user.parentId()).isNull();
    assertThat(user.sampled()).isTrue();
    io.upbeat.events.Span query = user.spans().getFirst();
    assertThat(query.id()).isEqualTo("8e4e2c39fdd6085a");
    assertThat(query.parentId()).isEqualTo("59098ed10f57cd77");
    assertThat(query.destination()).isEqualTo("h2");
    assertThat(query.outcome()).isEqualTo("success");

    ErrorEvent error = batch.errors().getFirst();
    assertThat(batch.errors()).hasSize(2);
    assertThat(error.transactionId()).isEqualTo("4cb1acc4bdfa0853");
    assertThat(error.traceId()).isEqualTo("07ee39148c7a03f998ee8f3f8ce7deae");
    assertThat(error.parentId()).isEqualTo("4cb1acc4bdfa0853");
    assertThat(error.transactionName()).isEqualTo("Shop#discount");
    assertThat(error.culprit())
        .isEqualTo("io.upbeat.example.ShopApplication$Pricing.discount(ShopApplication.java:64)");
    assertThat(error.exception().type()).isEqualTo("jakarta.servlet.ServletException");
    assertThat(error.exception().stacktrace()).allMatch(f -> !f.inApp());
    ExceptionInfo cause = error.exception().cause();
    assertThat(cause.type()).isEqualTo("java.lang.ArithmeticException");
    assertThat(cause.message()).isEqualTo("/ by zero");
    StackFrame thrower =
        cause.stacktrace().stream().filter(StackFrame::inApp).findFirst().orElseThrow();
    assertThat(thrower)
        .isEqualTo(
            new StackFrame(
                "io.upbeat.example.ShopApplication$Pricing",
                "discount",
                "ShopApplication.java",
                "io/upbeat/example/ShopApplication.java",
                64,
                true));
    assertThat(error.contextJson()).contains("\"status_code\":500");
    // In Upbeat's shape: the URL as a string, headers as sent.
    io.upbeat.events.ErrorContext context =
        io.upbeat.events.ErrorContext.parse(error.contextJson());
    assertThat(context.request().method()).isEqualTo("GET");
    assertThat(context.request().url()).startsWith("http://localhost:").endsWith("/discount");
    assertThat(context.request().headers()).containsEntry("User-Agent", "curl/7.88.1");
  }

  @Test
  void exitSpansNameTheirDestinationAndIdsThatAreNotIdsAreDropped() throws IOException {
    String lines =
        METADATA
            + "\n"
            + """
            {"transaction":{"id":"t1","trace_id":"0af7651916cd43dd8448eb211c80319c",\
            "parent_id":"b7ad6b7169203331","sampled":true,"name":"GET /","type":"request",\
            "duration":10,"timestamp":%1$d}}
            {"span":{"id":"s1","transaction_id":"t1","parent_id":"t1","name":"GET inventory",\
            "type":"external","subtype":"http","duration":2,"timestamp":%1$d,"outcome":"failure",\
            "context":{"destination":{"address":"inventory","port":8080},\
            "service":{"target":{"type":"http","name":"inventory:8080"}}}}}
            {"span":{"id":"s2","transaction_id":"t1","parent_id":"s1","name":"publish",\
            "type":"messaging","subtype":"kafka","duration":1,"timestamp":%1$d,"outcome":"odd",\
            "context":{"service":{"target":{"type":"kafka","name":"orders"}}}}}
            {"span":{"id":"s3","transaction_id":"t1","parent_id":"s1","name":"SELECT",\
            "type":"db","subtype":"postgresql","duration":1,"timestamp":%1$d,\
            "context":{"destination":{"address":"db","port":5432}}}}
            {"span":{"id":"not an id","transaction_id":"t1","parent_id":"%2$s","name":"x",\
            "type":"app","duration":1,"timestamp":%1$d}}
            {"error":{"timestamp":%1$d,"trace_id":"%2$s","parent_id":"s\\u0000",\
            "transaction_id":"t1","exception":{"type":"Boom"}}}
            """
                .formatted(NOW_MICROS, "x".repeat(100_000));
    EventBatch batch =
        read(reader.read(new ByteArrayInputStream(bytes(lines)), app, UUID.randomUUID(), NOW))
            .batch();
    TransactionEvent t = batch.samples().getFirst();
    assertThat(t.parentId()).isEqualTo("b7ad6b7169203331");
    assertThat(t.sampled()).isTrue();
    assertThat(t.spans())
        .extracting(
            io.upbeat.events.Span::id,
            io.upbeat.events.Span::parentId,
            io.upbeat.events.Span::destination,
            io.upbeat.events.Span::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("s1", "t1", "inventory:8080", "failure"),
            org.assertj.core.groups.Tuple.tuple("s2", "s1", "orders", null),
            org.assertj.core.groups.Tuple.tuple("s3", "s1", "postgresql", null),
            org.assertj.core.groups.Tuple.tuple(null, null, null, null));
    ErrorEvent e = batch.errors().getFirst();
    assertThat(e.transactionId()).isEqualTo("t1");
    assertThat(e.traceId()).isNull();
    assertThat(e.parentId()).isNull();
    // Each exit span counted once in its destination's minute, failures by outcome.
    assertThat(batch.destinationMetrics())
        .extracting(
            io.upbeat.events.DestinationMetric::destination,
            io.upbeat.events.DestinationMetric::minute,
            io.upbeat.events.DestinationMetric::count,
            io.upbeat.events.DestinationMetric::failures)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("inventory:8080", NOW, 1L, 1L),
            org.assertj.core.groups.Tuple.tuple("orders", NOW, 1L, 0L),
            org.assertj.core.groups.Tuple.tuple("postgresql", NOW, 1L, 0L));
  }

  /**
   * An agent reports a span when it ends, before its transaction, which may go in the next request:
   * the span's call is counted in the request that has it.
   */
  @Test
  void exitSpansWithoutTheirTransactionAreCountedByTheirOwnTimestamp() throws IOException {
    String lines =
        METADATA
            + "\n"
            + """
            {"span":{"id":"s1","transaction_id":"t9","name":"GET inventory","type":"external",\
            "subtype":"http","duration":2.5,"timestamp":%1$d,"outcome":"success",\
            "context":{"destination":{"address":"inventory","port":8080}}}}
            {"span":{"id":"s2","transaction_id":"t9","name":"GET inventory","type":"external",\
            "subtype":"http","duration":2,"timestamp":%2$d,"outcome":"success",\
            "context":{"destination":{"address":"inventory","port":8080}}}}
            {"span":{"id":"s3","transaction_id":"t9","name":"GET inventory","type":"external",\
            "subtype":"http","duration":2,"start":1.5,\
            "context":{"destination":{"address":"inventory","port":8080}}}}
            """
                .formatted(NOW_MICROS + 90_000_000L, NOW_MICROS - 8L * 24 * 3600 * 1_000_000);
    ElasticOutcome.Read read =
        read(reader.read(new ByteArrayInputStream(bytes(lines)), app, UUID.randomUUID(), NOW));
    // The second is out of the window, the third has no time of its own.
    assertThat(read.batch().destinationMetrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.destination()).isEqualTo("inventory:8080");
              assertThat(m.minute()).isEqualTo(NOW.plusSeconds(60));
              assertThat(m.count()).isEqualTo(1);
              assertThat(m.sumMs()).isEqualTo(2.5);
            });
    assertThat(read.batch().transactions()).isEmpty();
    assertThat(read.skipped()).containsEntry(Skip.SPAN_WITHOUT_TRANSACTION, 3);
  }

  @Test
  void keepsTheTransactionsOfTracesTheSamplerKeeps() throws IOException {
    TraceSampler sampler = new TraceSampler(0.1);
    StringBuilder lines = new StringBuilder(METADATA).append('\n');
    for (int i = 0; i < 500; i++) {
      lines.append(
          """
          {"transaction":{"id":"t%1$d","trace_id":"%2$032x","name":"GET /","type":"request",\
          "duration":1,"timestamp":%3$d}}
          """
              .formatted(i, i * 7919L + 1, NOW_MICROS));
    }
    EventBatch batch =
        read(new ElasticEventReader(IntakeLimits.DEFAULTS, sampler)
                .read(
                    new ByteArrayInputStream(bytes(lines.toString())), app, UUID.randomUUID(), NOW))
            .batch();
    assertThat(batch.transactions()).hasSize(500);
    assertThat(batch.samples())
        .hasSizeBetween(25, 75)
        .allSatisfy(t -> assertThat(sampler.keeps(t.traceId())).isTrue())
        .hasSize(
            (int) batch.transactions().stream().filter(t -> sampler.keeps(t.traceId())).count());
  }

  @Test
  void anErrorsRequestUserAndLabelsTakeUpbeatsShape() throws IOException {
    String error =
        """
        {"error":{"id":"e1","timestamp":%d,"exception":{"type":"java.lang.IllegalStateException"},\
        "context":{"request":{"method":"POST","url":{"pathname":"/pay","search":"?a=1"},\
        "headers":{"Accept":["text/html","*/*"]}},\
        "user":{"id":42,"email":"ann@example.com","username":"ann"},\
        "tags":{"region":"eu","shard":7,"beta":true,"none":null},"custom":{"x":1}}}}"""
            .formatted(NOW_MICROS);
    EventBatch batch =
        read(reader.read(
                new ByteArrayInputStream(bytes(METADATA + "\n" + error + "\n")),
                app,
                UUID.randomUUID(),
                NOW))
            .batch();
    String json = batch.errors().getFirst().contextJson();
    io.upbeat.events.ErrorContext c = io.upbeat.events.ErrorContext.parse(json);
    assertThat(c.request().url()).isEqualTo("/pay?a=1");
    assertThat(c.request().headers()).containsEntry("Accept", "text/html, */*");
    assertThat(c.user())
        .isEqualTo(new io.upbeat.events.ErrorContext.User("42", "ann@example.com", "ann"));
    assertThat(c.tags())
        .containsExactly(
            java.util.Map.entry("region", "eu"),
            java.util.Map.entry("shard", "7"),
            java.util.Map.entry("beta", "true"));
    assertThat(c.userKey()).isEqualTo("id:42");
    assertThat(json).contains("\"custom\":{\"x\":1}");
  }

  @Test
  void appliesMetadataAndAcceptsEveryEncoding() throws IOException {
    String stream =
        METADATA
            + "\n"
            + transaction("t1", "GET /users/{id}", NOW_MICROS, 12.5)
            + "\n"
            + "{\"metricset\":{\"samples\":{}}}\n"
            + "{\"log\":{\"message\":\"hello\"}}\n";
    record Encoded(ContentEncoding encoding, byte[] body) {}
    for (Encoded e :
        List.of(
            new Encoded(ContentEncoding.IDENTITY, bytes(stream)),
            new Encoded(ContentEncoding.GZIP, gzip(stream)),
            new Encoded(ContentEncoding.DEFLATE, deflate(stream, true)),
            new Encoded(ContentEncoding.DEFLATE, deflate(stream, false)))) {
      ElasticOutcome.Read read =
          read(
              reader.read(
                  e.encoding().decode(new ByteArrayInputStream(e.body())),
                  app,
                  UUID.randomUUID(),
                  NOW));
      assertThat(read.batch().service().environment()).isEqualTo("staging");
      assertThat(read.batch().service().version()).isEqualTo("1.2.3");
      assertThat(read.batch().service().host()).isEqualTo("web-1");
      assertThat(read.batch().transactions())
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.name()).isEqualTo("GET /users/{id}");
                assertThat(t.timestamp()).isEqualTo(NOW);
                assertThat(t.durationMs()).isEqualTo(12.5);
              });
      assertThat(read.skipped()).containsOnlyKeys(Skip.METRICSET, Skip.LOG);
      assertThat(read.events()).isEqualTo(1);
    }
  }

  @Test
  void skipsAndCountsOddLinesWithoutRefusingTheStream() throws IOException {
    String stream =
        String.join(
            "\n",
            METADATA,
            "not json",
            "{\"transaction\":{\"name\":\"a\",\"name\":\"b\"}}", // duplicate key
            "{\"transaction\":{}} trailing",
            "{\"profile\":{}}",
            "{\"transaction\":{\"name\":\"x\",\"type\":\"request\"}}", // no duration
            transaction("old", "x", NOW_MICROS - Duration.ofDays(8).toNanos() / 1000, 1),
            transaction("future", "x", NOW_MICROS + Duration.ofMinutes(10).toNanos() / 1000, 1),
            "{\"error\":{\"timestamp\":" + NOW_MICROS + "}}", // neither exception nor log
            "{\"span\":{\"transaction_id\":\"elsewhere\",\"duration\":1,\"timestamp\":"
                + NOW_MICROS
                + "}}",
            "{\"transaction\":{\"name\":\"ok\",\"type\":\"request\",\"duration\":3,"
                + "\"unknown_field\":{\"nested\":[1,2]}}}", // no timestamp: now
            "",
            "  ");
    ElasticOutcome.Read read = read(reader.read(in(stream), app, UUID.randomUUID(), NOW));
    assertThat(read.batch().transactions())
        .singleElement()
        .satisfies(t -> assertThat(t.timestamp()).isEqualTo(NOW));
    assertThat(read.skipped())
        .containsEntry(Skip.INVALID_JSON, 3)
        .containsEntry(Skip.UNKNOWN_TYPE, 1)
        .containsEntry(Skip.INVALID_EVENT, 2)
        .containsEntry(Skip.TIMESTAMP_OUT_OF_RANGE, 2)
        .containsEntry(Skip.SPAN_WITHOUT_TRANSACTION, 1);
  }

  @Test
  void joinsSpansSentAfterTheirTransactionAndCapsThem() throws IOException {
    IntakeLimits limits =
        new IntakeLimits(
            1 << 20, 100, 2, 500, 10, 16 * 1024, 10_000, Duration.ofDays(7), Duration.ofMinutes(5));
    StringBuilder stream = new StringBuilder(METADATA).append('\n');
    stream.append(transaction("t1", "job", NOW_MICROS, 100)).append('\n');
    for (int i = 3; i >= 0; i--) {
      stream
          .append("{\"span\":{\"name\":\"s")
          .append(i)
          .append("\",\"type\":\"db\",\"subtype\":\"postgresql\",\"action\":\"query\",")
          .append("\"transaction_id\":\"t1\",\"duration\":2,\"timestamp\":")
          .append(NOW_MICROS + i * 10_000L)
          .append("}}\n");
    }
    ElasticOutcome.Read read =
        read(
            new ElasticEventReader(limits)
                .read(in(stream.toString()), app, UUID.randomUUID(), NOW));
    TransactionEvent t = read.batch().transactions().getFirst();
    assertThat(t.spans()).extracting(s -> s.name()).containsExactly("s0", "s1");
    assertThat(t.spans().get(1).startMs()).isEqualTo(10.0);
    assertThat(t.spans().getFirst().type()).isEqualTo("db.postgresql.query");
    assertThat(read.skipped()).containsEntry(Skip.TOO_MANY_SPANS, 2);
    // The sample keeps two, yet the transaction made four queries: all counted.
    assertThat(read.batch().destinationMetrics())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.destination()).isEqualTo("postgresql");
              assertThat(m.count()).isEqualTo(4);
              assertThat(m.sumMs()).isEqualTo(8.0);
            });
  }

  @Test
  void mapsLogErrorsCauseArraysAndOtherLanguagesFrames() throws IOException {
    String stream =
        String.join(
            "\n",
            METADATA,
            "{\"error\":{\"id\":\"e1\",\"timestamp\":"
                + NOW_MICROS
                + ",\"log\":{\"message\":\"disk full\",\"level\":\"warning\","
                + "\"logger_name\":\"app.storage\"}}}",
            "{\"error\":{\"exception\":{\"message\":\"boom\",\"cause\":[{\"type\":\"IOError\","
                + "\"stacktrace\":[{\"filename\":\"app/views.py\",\"module\":\"app.views\","
                + "\"function\":\"index\",\"lineno\":12,\"library_frame\":false}]}]}}}");
    List<ErrorEvent> errors =
        read(reader.read(in(stream), app, UUID.randomUUID(), NOW)).batch().errors();
    assertThat(errors.getFirst().exception().type()).isEqualTo("app.storage");
    assertThat(errors.getFirst().exception().message()).isEqualTo("disk full");
    assertThat(errors.getFirst().level()).isEqualTo("warning");
    ExceptionInfo top = errors.get(1).exception();
    assertThat(top.type()).isEqualTo("Error");
    assertThat(errors.get(1).timestamp()).isEqualTo(NOW);
    assertThat(top.cause().stacktrace())
        .containsExactly(
            new StackFrame("app.views", "index", "app/views.py", "app/views.py", 12, true));
  }

  @Test
  void refusesOnlyTheStreamAsAWhole() throws IOException {
    assertThat(reader.read(in(""), app, UUID.randomUUID(), NOW))
        .isInstanceOf(ElasticOutcome.Refused.class)
        .extracting(o -> ((ElasticOutcome.Refused) o).code())
        .isEqualTo(ErrorCode.INVALID_JSON);
    for (String first :
        List.of(
            transaction("t", "x", NOW_MICROS, 1),
            "{\"metadata\":{\"service\":{}}}",
            "{\"metadata\":{\"service\":{\"name\":\"bad/name\"}}}",
            "garbage")) {
      assertThat(reader.read(in(first + "\n"), app, UUID.randomUUID(), NOW))
          .as(first)
          .isEqualTo(
              new ElasticOutcome.Refused(
                  ErrorCode.INVALID_PAYLOAD,
                  "The first line must be a metadata object with a valid service.name."));
    }
    // Metadata alone is a valid, empty stream.
    assertThat(read(reader.read(in(METADATA), app, UUID.randomUUID(), NOW)).events()).isZero();

    IntakeLimits small =
        new IntakeLimits(
            4096, 2, 10, 10, 10, 1024, 10_000, Duration.ofDays(7), Duration.ofMinutes(5));
    String three = METADATA + "\n" + (transaction("a", "x", NOW_MICROS, 1) + "\n").repeat(3);
    assertThat(new ElasticEventReader(small).read(in(three), app, UUID.randomUUID(), NOW))
        .extracting(o -> ((ElasticOutcome.Refused) o).code())
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    String big = METADATA + "\n" + "{\"log\":{\"message\":\"" + "x".repeat(5000) + "\"}}\n";
    assertThat(
            new ElasticEventReader(small)
                .read(new LimitedInputStream(in(big), 4096), app, UUID.randomUUID(), NOW))
        .extracting(o -> ((ElasticOutcome.Refused) o).code())
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
  }

  @Test
  void skipsOneLineOverThePerEventLimitAndGoesOn() throws IOException {
    String huge =
        "{\"log\":{\"message\":\"" + "x".repeat(ElasticEventReader.MAX_LINE_BYTES) + "\"}}";
    String stream = METADATA + "\n" + huge + "\n" + transaction("t", "x", NOW_MICROS, 1) + "\n";
    ElasticOutcome.Read read = read(reader.read(in(stream), app, UUID.randomUUID(), NOW));
    assertThat(read.skipped()).containsExactlyEntriesOf(java.util.Map.of(Skip.EVENT_TOO_LARGE, 1));
    assertThat(read.events()).isEqualTo(1);
  }

  /** Randomly damaged agent streams never throw: each is read or refused as a whole. */
  @Test
  void damagedStreamsAreReadOrRefusedNeverThrown() throws IOException {
    byte[] real;
    try (InputStream in = getClass().getResourceAsStream("/elastic/java-agent-1.55.1.ndjson")) {
      real = in.readAllBytes();
    }
    java.util.Random random = new java.util.Random(42);
    byte[] alphabet = bytes("{}[]\":,\n 0-1.9eEtrufalsn\\x");
    for (int i = 0; i < 2_000; i++) {
      byte[] damaged = real.clone();
      for (int j = 0, n = 1 + random.nextInt(20); j < n; j++) {
        damaged[random.nextInt(damaged.length)] = alphabet[random.nextInt(alphabet.length)];
      }
      int cut = random.nextInt(10) == 0 ? random.nextInt(damaged.length) : damaged.length;
      ElasticOutcome outcome =
          reader.read(new ByteArrayInputStream(damaged, 0, cut), app, UUID.randomUUID(), CAPTURED);
      assertThat(outcome).isNotNull();
    }
  }

  @Test
  void derivesRepositoryPathsFromClassAndFile() {
    assertThat(ElasticEventReader.path("com.shop.UserService$1", "UserService.java"))
        .isEqualTo("com/shop/UserService.java");
    assertThat(ElasticEventReader.path("Main", "Main.java")).isEqualTo("Main.java");
    assertThat(ElasticEventReader.path(null, "src/app.js")).isEqualTo("src/app.js");
    assertThat(ElasticEventReader.path(null, "app.js")).isNull();
    assertThat(ElasticEventReader.path("com.shop.A", null)).isNull();
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
        + "\"span_count\":{\"started\":0,\"dropped\":0}}}";
  }

  private static ElasticOutcome.Read read(ElasticOutcome outcome) {
    assertThat(outcome).isInstanceOf(ElasticOutcome.Read.class);
    return (ElasticOutcome.Read) outcome;
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(0.001);
  }

  private static InputStream in(String s) {
    return new ByteArrayInputStream(bytes(s));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(bytes(s));
    }
    return out.toByteArray();
  }

  /** zlib-wrapped (what HTTP calls deflate), or raw deflate as some clients send. */
  static byte[] deflate(String s, boolean zlib) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z =
        new DeflaterOutputStream(out, new java.util.zip.Deflater(6, !zlib))) {
      z.write(bytes(s));
    }
    return out.toByteArray();
  }

  @Test
  void refusesAStreamThatIsNotWellFormedUtf8() throws IOException {
    byte[] good =
        (METADATA + "\n{\"log\":{\"message\":\"QQ\"}}\n").getBytes(StandardCharsets.UTF_8);
    int at = new String(good, StandardCharsets.ISO_8859_1).indexOf("QQ");
    good[at] = (byte) 0xC0; // overlong '/'
    good[at + 1] = (byte) 0xAF;

    ElasticOutcome outcome =
        reader.read(new java.io.ByteArrayInputStream(good), app, UUID.randomUUID(), CAPTURED);

    assertThat(outcome)
        .isEqualTo(
            new ElasticOutcome.Refused(
                io.upbeat.support.web.ErrorCode.INVALID_JSON,
                "The request body is not well-formed UTF-8 (at byte " + at + ")."));
  }
}
