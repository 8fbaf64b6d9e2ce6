package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.dataformat.smile.SmileFactory;

class EventBatchCodecTest {
  private interface Readers {
    EventBatchCodec.Parts ALL = EventBatchCodec.Parts.ALL;
    EventBatchCodec.Parts TIMINGS = EventBatchCodec.Parts.TRANSACTION_TIMINGS;
    EventBatchCodec.Parts ERRORS = EventBatchCodec.Parts.ERRORS;
    EventBatchCodec.Parts SAMPLES = EventBatchCodec.Parts.SAMPLES;
  }

  static EventBatch fullBatch() {
    ExceptionInfo cause = new ExceptionInfo("java.io.IOException", "disk", List.of(), null);
    ExceptionInfo npe =
        new ExceptionInfo(
            "java.lang.NullPointerException",
            "user is null",
            List.of(
                new StackFrame(
                    "com.shop.UserService",
                    "find",
                    "UserService.java",
                    "src/main/java/com/shop/UserService.java",
                    42,
                    true),
                new StackFrame(null, null, null, null, null, null)),
            cause);
    return new EventBatch(
        UUID.randomUUID(),
        UUID.randomUUID(),
        Instant.parse("2026-11-26T10:15:31Z"),
        new ServiceInfo("shop-web", null, "2026.11.26-3", "upbeat-java", "0.1.0", "java", "web-1"),
        List.of(
            new TransactionEvent(
                "a1b2c3",
                "0af7651916cd43dd8448eb211c80319c",
                "GET /users/{id}",
                "request",
                Instant.parse("2026-11-26T10:15:30.123Z"),
                12.5,
                "HTTP 2xx",
                "success",
                List.of(
                    new Span(
                        "SELECT FROM users",
                        "db.postgresql.query",
                        1.2,
                        3.4,
                        "00f067aa0ba902b7",
                        "a1b2c3",
                        "postgresql",
                        "success"),
                    new Span("render", "template", 5.0, 1.0)),
                "{\"request\":{\"method\":\"GET\",\"url\":\"/users/42\"},\"tags\":{\"region\":\"eu\"}}",
                "b7ad6b7169203331",
                true),
            new TransactionEvent(
                null,
                null,
                "job",
                "scheduled",
                Instant.parse("2026-11-26T10:15:30Z"),
                0,
                null,
                null,
                null,
                null)),
        List.of(
            new ErrorEvent(
                "e1",
                Instant.parse("2026-11-26T10:15:30.200Z"),
                "a1b2c3",
                "GET /users/{id}",
                "error",
                "com.shop.UserService.find",
                npe,
                List.of("db", "timeout"),
                "{}",
                "0af7651916cd43dd8448eb211c80319c",
                "00f067aa0ba902b7"),
            new ErrorEvent(
                null,
                Instant.parse("2026-11-26T10:15:30.300Z"),
                null,
                null,
                null,
                null,
                new ExceptionInfo("Boom", null, null, null),
                null,
                null)));
  }

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void roundTripsEveryField(EventBatchCodec.Format format) {
    EventBatch batch = fullBatch();
    assertThat(EventBatchCodec.decode(EventBatchCodec.encode(batch, format))).isEqualTo(batch);
    assertThat(batch.service().environment()).isEqualTo("production");
    assertThat(batch.size()).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void decodesOnlyThePartsAReaderAsksFor(EventBatchCodec.Format format) {
    EventBatch batch = fullBatch();
    byte[] bytes = EventBatchCodec.encode(batch, format);

    EventBatch timings = EventBatchCodec.decode(bytes, EventBatchCodec.Parts.TRANSACTION_TIMINGS);
    assertThat(timings.errors()).isEmpty();
    assertThat(timings.transactions()).hasSameSizeAs(batch.transactions());
    for (int i = 0; i < batch.transactions().size(); i++) {
      TransactionEvent full = batch.transactions().get(i);
      TransactionEvent lean = timings.transactions().get(i);
      assertThat(lean)
          .isEqualTo(
              new TransactionEvent(
                  null,
                  null,
                  full.name(),
                  full.type(),
                  full.timestamp(),
                  full.durationMs(),
                  full.result(),
                  full.outcome(),
                  List.of(),
                  null));
    }

    EventBatch errors = EventBatchCodec.decode(bytes, EventBatchCodec.Parts.ERRORS);
    assertThat(errors.transactions()).isEmpty();
    assertThat(errors.errors()).isEqualTo(batch.errors());
    assertThat(errors.service()).isEqualTo(batch.service());
    assertThat(errors.receivedAt()).isEqualTo(batch.receivedAt());
  }

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void thePartsHeaderTellsEachReaderWhetherARecordHasAnythingForIt(EventBatchCodec.Format format) {
    EventBatch full = fullBatch(); // transactions and errors
    EventBatch transactionsOnly =
        new EventBatch(
            full.batchId(),
            full.appId(),
            full.receivedAt(),
            full.service(),
            full.transactions(),
            List.of());
    EventBatch errorsOnly =
        new EventBatch(
            full.batchId(),
            full.appId(),
            full.receivedAt(),
            full.service(),
            List.of(),
            full.errors());
    List<EventBatchCodec.Parts> readers =
        List.of(
            EventBatchCodec.Parts.TRANSACTION_TIMINGS,
            EventBatchCodec.Parts.ERRORS,
            EventBatchCodec.Parts.SAMPLES);
    for (EventBatch b : List.of(full, transactionsOnly, errorsOnly)) {
      byte[] header = EventBatchCodec.partsHeader(b);
      byte[] bytes = EventBatchCodec.encode(b, format);
      for (EventBatchCodec.Parts reader : readers) {
        EventBatch read = EventBatchCodec.decode(bytes, reader);
        boolean hasSomething =
            !read.transactions().isEmpty()
                || !read.errors().isEmpty()
                || !read.samples().isEmpty()
                || !read.metrics().isEmpty()
                || !read.orphanSpans().isEmpty();
        assertThat(reader.mayBeIn(header)).as("%s in %s", reader, b.size()).isEqualTo(hasSomething);
      }
    }
    assertThat(EventBatchCodec.Parts.ERRORS.mayBeIn(EventBatchCodec.partsHeader(transactionsOnly)))
        .isFalse();
    assertThat(
            EventBatchCodec.Parts.TRANSACTION_TIMINGS.mayBeIn(
                EventBatchCodec.partsHeader(errorsOnly)))
        .isFalse();
    // No header, or one this reader does not understand: it must decode to know.
    for (byte[] unknown : new byte[][] {null, {}, {0, 0}, {0x10}, {(byte) 0x80}}) {
      for (EventBatchCodec.Parts reader : readers) {
        assertThat(reader.mayBeIn(unknown)).isTrue();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void samplesAndAgentAggregatesRoundTripAndAreReadOnlyByThoseWhoAskForThem(
      EventBatchCodec.Format format) {
    EventBatch plain = fullBatch();
    TransactionMetric metric =
        new TransactionMetric(
            "GET /users/{id}",
            "request",
            Instant.parse("2026-11-26T10:15:00Z"),
            1234,
            3,
            9876.5,
            0.25,
            410.0,
            new byte[] {2, 0, -1, 7, 42});
    EventBatch batch =
        new EventBatch(
            plain.batchId(),
            plain.appId(),
            plain.receivedAt(),
            plain.service(),
            List.of(),
            plain.errors(),
            List.of(plain.transactions().get(0)),
            List.of(metric));
    byte[] bytes = EventBatchCodec.encode(batch, format);

    EventBatch all = EventBatchCodec.decode(bytes);
    assertThat(all.samples()).isEqualTo(batch.samples());
    assertThat(all.metrics()).hasSize(1);
    TransactionMetric read = all.metrics().get(0);
    assertThat(read.sketch()).containsExactly(metric.sketch());
    assertThat(read).usingRecursiveComparison().ignoringFields("sketch").isEqualTo(metric);
    assertThat(all.transactionCount()).isEqualTo(1234);
    assertThat(all.size()).isEqualTo(4);

    EventBatch timings = EventBatchCodec.decode(bytes, EventBatchCodec.Parts.TRANSACTION_TIMINGS);
    assertThat(timings.samples()).isEmpty();
    assertThat(timings.metrics()).hasSize(1);
    EventBatch samples = EventBatchCodec.decode(bytes, EventBatchCodec.Parts.SAMPLES);
    assertThat(samples.samples()).isEqualTo(batch.samples());
    assertThat(samples.metrics()).isEmpty();
    assertThat(samples.errors()).isEmpty();
  }

  /**
   * M15 tail decision: the tail pipeline reads each transaction's trace links and timings and, of
   * the samples, the same (which are kept in full already), never spans, context, errors or
   * aggregates; a record with nothing but samples is not even decoded.
   */
  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void traceLinksReadTheIdsOfTransactionsAndSamplesWithoutTheirDetails(
      EventBatchCodec.Format format) {
    EventBatch plain = fullBatch();
    TransactionEvent full = plain.transactions().get(0);
    EventBatch batch =
        new EventBatch(
            plain.batchId(),
            plain.appId(),
            plain.receivedAt(),
            plain.service(),
            List.of(full, plain.transactions().get(1)),
            plain.errors(),
            List.of(full),
            List.of());
    EventBatch links =
        EventBatchCodec.decode(
            EventBatchCodec.encode(batch, format), EventBatchCodec.Parts.TRACE_LINKS);

    TransactionEvent read = links.transactions().get(0);
    assertThat(read.id()).isEqualTo("a1b2c3");
    assertThat(read.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(read.parentId()).isEqualTo("b7ad6b7169203331");
    assertThat(read.name()).isEqualTo(full.name());
    assertThat(read.timestamp()).isEqualTo(full.timestamp());
    assertThat(read.durationMs()).isEqualTo(full.durationMs());
    assertThat(read.outcome()).isEqualTo("success");
    assertThat(read.spans()).isEmpty();
    assertThat(read.contextJson()).isNull();
    assertThat(links.transactions().get(1).traceId()).isNull();
    assertThat(links.samples()).containsExactly(read);
    assertThat(links.errors()).isEmpty();
    assertThat(links.orphanSpans()).isEmpty();
    // The metrics' reading still drops the ids.
    assertThat(
            EventBatchCodec.decode(
                    EventBatchCodec.encode(batch, format),
                    EventBatchCodec.Parts.TRANSACTION_TIMINGS)
                .transactions()
                .get(0)
                .traceId())
        .isNull();

    EventBatch samplesOnly =
        new EventBatch(
            plain.batchId(),
            plain.appId(),
            plain.receivedAt(),
            plain.service(),
            List.of(),
            List.of(),
            List.of(full),
            List.of());
    assertThat(EventBatchCodec.Parts.TRACE_LINKS.mayBeIn(EventBatchCodec.partsHeader(samplesOnly)))
        .isFalse();
    assertThat(EventBatchCodec.Parts.TRACE_LINKS.mayBeIn(EventBatchCodec.partsHeader(batch)))
        .isTrue();
  }

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void orphanSpansTravelWithTheSamples(EventBatchCodec.Format format) {
    OrphanSpan orphan =
        new OrphanSpan(
            "5b8efff798038103d269b633813fc60c",
            "eee19b7ec3c1b174",
            Instant.parse("2026-11-26T10:15:30.001Z"),
            new Span(
                "SELECT shop.users",
                "db.h2.query",
                null,
                3.5,
                "53995c3f42cd8ad8",
                "eee19b7ec3c1b174",
                "h2",
                "failure"));
    EventBatch batch =
        new EventBatch(
            UUID.randomUUID(),
            UUID.randomUUID(),
            Instant.parse("2026-11-26T10:15:31Z"),
            new ServiceInfo("shop", null, null, null, null, null, null),
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(orphan));
    byte[] bytes = EventBatchCodec.encode(batch, format);

    assertThat(EventBatchCodec.decode(bytes).orphanSpans()).containsExactly(orphan);
    assertThat(EventBatchCodec.decode(bytes, EventBatchCodec.Parts.SAMPLES).orphanSpans())
        .containsExactly(orphan);
    assertThat(EventBatchCodec.decode(bytes, EventBatchCodec.Parts.ERRORS).orphanSpans()).isEmpty();
    assertThat(new String(EventBatchCodec.encode(fullBatch()), StandardCharsets.UTF_8))
        .doesNotContain("orphan_spans");
  }

  @Test
  void traceLinksAreWrittenOnlyWhenKnown() {
    EventBatch full = fullBatch();
    EventBatch withoutLinks =
        new EventBatch(
            full.batchId(),
            full.appId(),
            full.receivedAt(),
            full.service(),
            List.of(full.transactions().get(1)),
            List.of(full.errors().get(1)));
    String json = new String(EventBatchCodec.encode(withoutLinks), StandardCharsets.UTF_8);
    for (String key : List.of("parent_id", "sampled", "destination", "trace_id", "\"id\"")) {
      assertThat(json).doesNotContain(key);
    }
    String linked = new String(EventBatchCodec.encode(full), StandardCharsets.UTF_8);
    assertThat(linked)
        .contains("\"parent_id\":\"b7ad6b7169203331\",\"sampled\":true")
        .contains("\"destination\":\"postgresql\"");
  }

  /** A record written before trace links existed decodes with them all null. */
  @Test
  void recordsWithoutTraceLinksStillDecode() {
    String old =
        """
        {"v":1,"batch_id":"6f1c2a3e-0000-4000-8000-000000000001",
         "app_id":"6f1c2a3e-0000-4000-8000-000000000002","received_at":"2026-11-26T10:15:31Z",
         "service":{"name":"shop","environment":"production"},
         "transactions":[{"id":"a1","trace_id":"t1","name":"GET /","type":"request",
           "timestamp":"2026-11-26T10:15:30Z","duration_ms":2,
           "spans":[{"name":"q","type":"db","start_ms":0,"duration_ms":1}]}],
         "errors":[{"timestamp":"2026-11-26T10:15:30Z","transaction_id":"a1",
           "exception":{"type":"Boom","stacktrace":[]}}],
         "samples":[{"name":"GET /","type":"request","timestamp":"2026-11-26T10:15:30Z",
           "duration_ms":2}],
         "orphan_spans":[{"trace_id":"t1","transaction_id":"a1",
           "started_at":"2026-11-26T10:15:30Z","name":"q","duration_ms":1}]}
        """;
    EventBatch read = EventBatchCodec.decode(old.getBytes(StandardCharsets.UTF_8));
    TransactionEvent t = read.transactions().get(0);
    assertThat(t.parentId()).isNull();
    assertThat(t.sampled()).isNull();
    assertThat(t.spans()).containsExactly(new Span("q", "db", 0.0, 1.0));
    assertThat(read.errors().get(0).traceId()).isNull();
    assertThat(read.errors().get(0).parentId()).isNull();
    assertThat(read.errors().get(0).transactionId()).isEqualTo("a1");
    assertThat(read.samples().get(0).sampled()).isNull();
    assertThat(read.orphanSpans().get(0).span()).isEqualTo(new Span("q", null, null, 1.0));
    assertThat(read.destinationMetrics()).isEmpty();
    assertThat(EventBatchCodec.decode(old.getBytes(StandardCharsets.UTF_8), Readers.TIMINGS))
        .satisfies(b -> assertThat(b.destinationMetrics()).isEmpty());
  }

  static final DestinationMetric INVENTORY =
      new DestinationMetric(
          "inventory:8080",
          Instant.parse("2026-11-26T10:15:00Z"),
          120,
          3,
          1440.0,
          2.1,
          95.0,
          new byte[] {2, 0, -1, 7, 42});

  @ParameterizedTest
  @EnumSource(EventBatchCodec.Format.class)
  void destinationMetricsTravelWithTheMetricsAndOnlyWithThem(EventBatchCodec.Format format) {
    EventBatch plain = fullBatch();
    EventBatch batch = plain.withDestinationMetrics(List.of(INVENTORY));
    assertThat(batch.size()).isEqualTo(plain.size() + 1);
    byte[] bytes = EventBatchCodec.encode(batch, format);

    for (EventBatchCodec.Parts reader : List.of(Readers.ALL, Readers.TIMINGS)) {
      List<DestinationMetric> read = EventBatchCodec.decode(bytes, reader).destinationMetrics();
      assertThat(read).hasSize(1);
      assertThat(read.get(0)).usingRecursiveComparison().isEqualTo(INVENTORY);
    }
    assertThat(EventBatchCodec.decode(bytes, Readers.ERRORS).destinationMetrics()).isEmpty();
    assertThat(EventBatchCodec.decode(bytes, Readers.SAMPLES).destinationMetrics()).isEmpty();
    assertThat(new String(EventBatchCodec.encode(plain), StandardCharsets.UTF_8))
        .doesNotContain("destination_metrics");

    // A batch of destination metrics alone is for the metrics pipeline, and only for it.
    EventBatch alone =
        new EventBatch(
                plain.batchId(), plain.appId(), plain.receivedAt(), plain.service(), null, null)
            .withDestinationMetrics(List.of(INVENTORY));
    byte[] header = EventBatchCodec.partsHeader(alone);
    assertThat(Readers.TIMINGS.mayBeIn(header)).isTrue();
    assertThat(Readers.ERRORS.mayBeIn(header)).isFalse();
    assertThat(Readers.SAMPLES.mayBeIn(header)).isFalse();
    EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(alone);
    assertThat(encoded.timings()).isNotNull();
    assertThat(
            EventBatchCodec.decode(encoded.value(), encoded.timings(), Readers.TIMINGS)
                .destinationMetrics())
        .singleElement()
        .usingRecursiveComparison()
        .isEqualTo(INVENTORY);
  }

  @Test
  void readersIgnoreFieldsAddedLater() {
    String json =
        new String(EventBatchCodec.encode(fullBatch()), StandardCharsets.UTF_8)
            .replace("\"transactions\":[{", "\"transactions\":[{\"new_field\":[1,{\"x\":2}],");
    assertThat(EventBatchCodec.decode(json.getBytes(StandardCharsets.UTF_8)).transactions())
        .hasSize(2);
  }

  @Test
  void refusesUnknownVersionsAndBrokenRecords() {
    String json = new String(EventBatchCodec.encode(fullBatch()), StandardCharsets.UTF_8);
    for (String bad :
        List.of(
            json.replace("\"v\":1", "\"v\":3"),
            json.replace("\"app_id\"", "\"other\""),
            json.substring(0, json.length() / 2),
            "[]",
            "")) {
      assertThatThrownBy(() -> EventBatchCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /**
   * Smile values: version 2, contexts as their JSON text, transactions last, so that a reader that
   * wants none of them stops before them: one whose transactions are cut off still reads its errors
   * and samples, while a reader of everything refuses it.
   */
  @Test
  void smileValuesPutTransactionsLastAndReadersThatWantNoneStopBeforeThem() throws Exception {
    EventBatch plain = fullBatch();
    EventBatch batch =
        new EventBatch(
            plain.batchId(),
            plain.appId(),
            plain.receivedAt(),
            plain.service(),
            plain.transactions(),
            plain.errors(),
            List.of(plain.transactions().get(0)),
            List.of());
    byte[] smile = EventBatchCodec.encode(batch, EventBatchCodec.Format.SMILE);
    assertThat(new String(smile, 0, 3, StandardCharsets.US_ASCII)).isEqualTo(":)\n");

    List<String> fields = new java.util.ArrayList<>();
    JsonToken context = null;
    try (JsonParser p =
        new SmileFactory().createParser(tools.jackson.core.ObjectReadContext.empty(), smile)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        fields.add(p.currentName());
        if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
          assertThat(p.getIntValue()).isEqualTo(EventBatchCodec.VERSION_2);
        } else if (p.currentName().equals("errors")) {
          p.nextToken(); // the first error
          while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            if (p.nextToken() != null && p.currentName().equals("context")) {
              context = p.currentToken();
            }
            p.skipChildren();
          }
          while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren(); // the other errors
          }
        } else {
          p.skipChildren();
        }
      }
    }
    assertThat(fields).startsWith("v").endsWith("transactions").contains("errors", "samples");
    assertThat(context).isEqualTo(JsonToken.VALUE_STRING);

    byte[] cut = java.util.Arrays.copyOf(smile, smile.length - 20);
    EventBatch errors = EventBatchCodec.decode(cut, Readers.ERRORS);
    assertThat(errors.errors()).isEqualTo(batch.errors());
    assertThat(EventBatchCodec.decode(cut, Readers.SAMPLES).samples()).isEqualTo(batch.samples());
    assertThatThrownBy(() -> EventBatchCodec.decode(cut, Readers.ALL))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventBatchCodec.decode(cut, Readers.TIMINGS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Any storable string survives Smile: NUL, astral characters, 100 KB, shared short values. */
  @Test
  void smileKeepsEveryStorableString() {
    EventBatch plain = fullBatch();
    String hostile = "a\u0000b \uD83D\uDE00 \u00e9 \"quoted\" \\ </script>";
    String huge = "x".repeat(100_000);
    List<TransactionEvent> transactions = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      transactions.add(
          new TransactionEvent(
              null,
              null,
              i % 2 == 0 ? hostile : "GET /shared/" + (i % 3),
              "request",
              plain.receivedAt(),
              i + 0.5,
              "HTTP 2xx",
              "success",
              List.of(new Span(huge, "db", 1.0, 2.0)),
              "{\"note\":\"" + hostile.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}"));
    }
    EventBatch batch = withTransactions(plain, transactions);
    assertThat(EventBatchCodec.decode(EventBatchCodec.encode(batch, EventBatchCodec.Format.SMILE)))
        .isEqualTo(batch);
  }

  /**
   * Receivers never let an unpaired surrogate through, but should one reach the codec it costs the
   * character, not the request.
   */
  @Test
  void smileWritesAnUnpairedSurrogateAsTheReplacementCharacter() {
    EventBatch plain = fullBatch();
    TransactionEvent t = plain.transactions().getFirst();
    EventBatch batch =
        withTransactions(plain, List.of(t.withText("GET /a\uD800b", t.spans(), t.contextJson())));
    EventBatch read =
        EventBatchCodec.decode(EventBatchCodec.encode(batch, EventBatchCodec.Format.SMILE));
    assertThat(read.transactions().getFirst().name()).isEqualTo("GET /a\uFFFDb");
  }

  /** {@code plain}'s identity and service with only {@code transactions}: no errors. */
  private static EventBatch withTransactions(
      EventBatch plain, List<TransactionEvent> transactions) {
    return new EventBatch(
        plain.batchId(),
        plain.appId(),
        plain.receivedAt(),
        plain.service(),
        transactions,
        List.of());
  }
}
