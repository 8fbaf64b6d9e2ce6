package io.upbeat.intake.otlp;

import static io.upbeat.intake.otlp.OtlpFixtures.CONTROLLER;
import static io.upbeat.intake.otlp.OtlpFixtures.QUERY;
import static io.upbeat.intake.otlp.OtlpFixtures.SERVER;
import static io.upbeat.intake.otlp.OtlpFixtures.TRACE;
import static io.upbeat.intake.otlp.OtlpFixtures.attr;
import static io.upbeat.intake.otlp.OtlpFixtures.id;
import static io.upbeat.intake.otlp.OtlpFixtures.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.trace.v1.Span;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.intake.validate.IntakeLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpMapperTest {
  private final Instant now = Instant.parse("2026-11-26T10:15:30Z");
  // Every trace kept in full, so each test sees its samples; the rate's own tests choose theirs.
  private final OtlpMapper mapper = new OtlpMapper(IntakeLimits.DEFAULTS, new TraceSampler(1));

  @Test
  void aServerSpanIsATransactionWithItsDescendantsAsSpans() {
    OtlpMapper.Mapped m =
        mapper.traces(OtlpFixtures.traces(OtlpFixtures.request(now, 200, false)), now);

    assertThat(m.rejected()).isZero();
    assertThat(m.services()).hasSize(1);
    OtlpMapper.ServiceEvents s = m.services().getFirst();
    assertThat(s.service)
        .isEqualTo(
            new ServiceInfo(
                "shop-web",
                "staging",
                "2026.11.26-3",
                "opentelemetry-java-instrumentation",
                "2.22.0",
                "java",
                null));
    assertThat(s.transactions).hasSize(1);
    TransactionEvent counted = s.transactions.getFirst();
    assertThat(counted.id()).isEqualTo(SERVER);
    assertThat(counted.traceId()).isEqualTo(TRACE);
    assertThat(counted.name()).isEqualTo("GET /users/{id}/discount");
    assertThat(counted.type()).isEqualTo("request");
    assertThat(counted.timestamp()).isEqualTo(now);
    assertThat(counted.durationMs()).isEqualTo(12.5);
    assertThat(counted.result()).isEqualTo("HTTP 2xx");
    assertThat(counted.outcome()).isEqualTo("success");
    assertThat(counted.spans()).isEmpty(); // counted without details

    assertThat(s.samples).hasSize(1);
    TransactionEvent sample = s.samples.getFirst();
    assertThat(sample.contextJson())
        .isEqualTo("{\"request\":{\"method\":\"GET\",\"url\":\"/users/1234/discount\"}}");
    assertThat(sample.spans())
        .extracting(
            io.upbeat.events.Span::name,
            io.upbeat.events.Span::type,
            io.upbeat.events.Span::startMs,
            io.upbeat.events.Span::durationMs)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("SELECT shop.users", "db.h2.query", 2.0, 3.0),
            org.assertj.core.groups.Tuple.tuple("ShopApplication.discount", "app", 1.0, 10.0));
    assertThat(s.errors).isEmpty();
  }

  @Test
  void routeNamesResultsAndOutcomes() {
    Span base =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id(SERVER))
            .setName("GET")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(nanos(now))
            .setEndTimeUnixNano(nanos(now) + 1_000_000)
            .build();
    TransactionEvent plain = only(base);
    assertThat(plain.name()).isEqualTo("GET");
    assertThat(plain.result()).isNull();
    assertThat(plain.outcome()).isEqualTo("unknown");

    TransactionEvent routed =
        only(
            base.toBuilder()
                .addAttributes(attr("http.request.method", "POST"))
                .addAttributes(attr("http.route", "/orders"))
                .addAttributes(attr("http.response.status_code", "503"))
                .build());
    assertThat(routed.name()).isEqualTo("POST /orders");
    assertThat(routed.result()).isEqualTo("HTTP 5xx");
    assertThat(routed.outcome()).isEqualTo("failure");

    TransactionEvent consumer =
        only(
            base.toBuilder()
                .setKind(Span.SpanKind.SPAN_KIND_CONSUMER)
                .setName("orders process")
                .addAttributes(attr("messaging.system", "kafka"))
                .build());
    assertThat(consumer.type()).isEqualTo("messaging");
    assertThat(consumer.name()).isEqualTo("orders process");

    TransactionEvent job =
        only(base.toBuilder().setKind(Span.SpanKind.SPAN_KIND_INTERNAL).setName("nightly").build());
    assertThat(job.type()).isEqualTo("unknown");
  }

  @Test
  void aSpanWithARemoteParentIsATransactionAndALocalChildIsNot() {
    Span remoteChild =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id(CONTROLLER))
            .setParentSpanId(id(SERVER))
            .setFlags(0x301)
            .setName("work")
            .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
            .setStartTimeUnixNano(nanos(now))
            .setEndTimeUnixNano(nanos(now) + 1_000_000)
            .build();
    assertThat(only(remoteChild).name()).isEqualTo("work");

    Span localChild = remoteChild.toBuilder().setFlags(0x101).build();
    OtlpMapper.Mapped m = mapper.traces(OtlpFixtures.traces(List.of(localChild)), now);
    // Its transaction is not in this request: an orphan for the processor to join, not rejected.
    assertThat(m.events()).isZero();
    assertThat(m.rejected()).isZero();
    assertThat(m.services().getFirst().orphans)
        .containsExactly(
            new io.upbeat.events.OrphanSpan(
                TRACE,
                SERVER,
                now,
                new io.upbeat.events.Span(
                    "work", "app", null, 1.0, CONTROLLER, SERVER, null, "unknown")));
  }

  @Test
  void childrenExportedBeforeTheirTransactionAreOrphansOfIt() {
    // The handler and the query, without the server span (it ends last, in the next batch).
    List<Span> children = OtlpFixtures.request(now, 200, false).subList(0, 2);

    OtlpMapper.ServiceEvents s =
        mapper.traces(OtlpFixtures.traces(children), now).services().getFirst();

    assertThat(s.transactions).isEmpty();
    assertThat(s.orphans)
        .extracting(o -> o.transactionId(), o -> o.span().name(), o -> o.startedAt())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(SERVER, "SELECT shop.users", now.plusMillis(2)),
            org.assertj.core.groups.Tuple.tuple(
                SERVER, "ShopApplication.discount", now.plusMillis(1)));
  }

  @Test
  void anExceptionRecordedOnTwoSpansOfATraceIsOneErrorOfTheTransaction() {
    OtlpMapper.Mapped m =
        mapper.traces(OtlpFixtures.traces(OtlpFixtures.request(now, 500, true)), now);

    OtlpMapper.ServiceEvents s = m.services().getFirst();
    assertThat(s.transactions.getFirst().outcome()).isEqualTo("failure");
    assertThat(s.errors).hasSize(1);
    ErrorEvent e = s.errors.getFirst();
    assertThat(e.timestamp()).isEqualTo(now.plusMillis(10));
    assertThat(e.transactionId()).isEqualTo(SERVER);
    assertThat(e.transactionName()).isEqualTo("GET /users/{id}/discount");
    assertThat(e.exception().type()).isEqualTo("java.lang.IllegalStateException");
    assertThat(e.exception().stacktrace()).hasSize(4);
    assertThat(e.exception().stacktrace().getFirst().inApp()).isNull(); // the processor decides
    assertThat(e.exception().cause().type()).isEqualTo("java.lang.ArithmeticException");
    assertThat(e.contextJson()).contains(TRACE);
    // The span current when it was recorded: the first of the two spans that recorded it.
    assertThat(e.traceId()).isEqualTo(TRACE);
    assertThat(e.parentId()).isEqualTo(CONTROLLER);
  }

  @Test
  void traceLinksAndDestinationsComeFromTheSpans() {
    String caller = "00f067aa0ba902b7";
    List<Span> spans = new ArrayList<>(OtlpFixtures.request(now, 200, false));
    Span server = spans.remove(2).toBuilder().setParentSpanId(id(caller)).setFlags(0x301).build();
    Span call =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id("eee19b7ec3c1b171"))
            .setParentSpanId(id(CONTROLLER))
            .setName("GET")
            .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(nanos(now) + 6_000_000)
            .setEndTimeUnixNano(nanos(now) + 8_000_000)
            .addAttributes(attr("http.request.method", "GET"))
            .addAttributes(attr("server.address", "inventory"))
            .addAttributes(attr("server.port", 8080))
            .addAttributes(attr("http.response.status_code", 503))
            .build();
    Span legacy =
        call.toBuilder()
            .setSpanId(id("eee19b7ec3c1b170"))
            .clearAttributes()
            .addAttributes(attr("net.peer.name", "billing"))
            .setStatus(
                io.opentelemetry.proto.trace.v1.Status.newBuilder()
                    .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_OK))
            .build();
    Span peer =
        call.toBuilder()
            .setSpanId(id("eee19b7ec3c1b16f"))
            .clearAttributes()
            .addAttributes(attr("peer.service", "payments"))
            .build();
    spans.addAll(List.of(call, legacy, peer, server));

    OtlpMapper.ServiceEvents s =
        mapper.traces(OtlpFixtures.traces(spans), now).services().getFirst();

    TransactionEvent sample = s.samples.getFirst();
    assertThat(sample.id()).isEqualTo(SERVER);
    assertThat(sample.parentId()).isEqualTo(caller);
    assertThat(s.transactions.getFirst().parentId()).isEqualTo(caller);
    assertThat(sample.spans())
        .extracting(
            io.upbeat.events.Span::id,
            io.upbeat.events.Span::parentId,
            io.upbeat.events.Span::destination,
            io.upbeat.events.Span::outcome)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(QUERY, CONTROLLER, "h2", "unknown"),
            org.assertj.core.groups.Tuple.tuple(CONTROLLER, SERVER, null, "unknown"),
            org.assertj.core.groups.Tuple.tuple(
                "eee19b7ec3c1b171", CONTROLLER, "inventory:8080", "failure"),
            org.assertj.core.groups.Tuple.tuple(
                "eee19b7ec3c1b170", CONTROLLER, "billing", "success"),
            org.assertj.core.groups.Tuple.tuple(
                "eee19b7ec3c1b16f", CONTROLLER, "payments", "unknown"));
  }

  /**
   * Client spans with server.address and port, and database spans, of the counted transactions and
   * of orphan spans are counted per destination and minute of their start: all of them, also those
   * beyond the spans a transaction keeps, with failures by their outcome.
   */
  @Test
  void countsTheExitSpansOfTransactionsAndOrphansPerDestinationAndMinute() {
    Instant start = Instant.parse("2026-11-26T10:14:59.990Z");
    List<Span> spans = new ArrayList<>(OtlpFixtures.request(start, 200, false));
    for (int i = 0; i < 4; i++) {
      // 10 ms apart from 10:14:59.995: the first in 10:14, the other three in 10:15.
      spans.add(
          Span.newBuilder()
              .setTraceId(id(TRACE))
              .setSpanId(id("eee19b7ec3c1b16" + i))
              .setParentSpanId(id(CONTROLLER))
              .setName("GET")
              .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
              .setStartTimeUnixNano(nanos(start) + 5_000_000 + i * 10_000_000L)
              .setEndTimeUnixNano(nanos(start) + 7_000_000 + i * 10_000_000L)
              .addAttributes(attr("http.request.method", "GET"))
              .addAttributes(attr("server.address", "inventory"))
              .addAttributes(attr("server.port", 8080))
              .addAttributes(attr("http.response.status_code", i == 3 ? 503 : 200))
              .build());
    }
    // An orphan: a query whose transaction (another server span) comes in a later request.
    spans.add(
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id("aaa19b7ec3c1b172"))
            .setParentSpanId(id("aaa19b7ec3c1b174"))
            .setName("SELECT")
            .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(nanos(start) + 20_000_000)
            .setEndTimeUnixNano(nanos(start) + 24_000_000)
            .addAttributes(attr("db.system", "PostgreSQL"))
            .build());
    // Transactions keep 3 spans here: the controller, the query and one call.
    IntakeLimits limits =
        new IntakeLimits(
            1 << 20, 100, 3, 500, 10, 16 * 1024, 10_000, Duration.ofDays(7), Duration.ofMinutes(5));

    OtlpMapper.ServiceEvents s =
        new OtlpMapper(limits, new TraceSampler(1))
            .traces(OtlpFixtures.traces(spans), now)
            .services()
            .getFirst();

    assertThat(s.samples.getFirst().spans()).hasSize(3);
    assertThat(s.orphans).hasSize(1);
    assertThat(s.exits.metrics())
        .extracting(
            io.upbeat.events.DestinationMetric::destination,
            io.upbeat.events.DestinationMetric::minute,
            io.upbeat.events.DestinationMetric::count,
            io.upbeat.events.DestinationMetric::failures,
            io.upbeat.events.DestinationMetric::maxMs)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:14:00Z"), 1L, 0L, 2.0),
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:15:00Z"), 3L, 1L, 2.0),
            // The fixture's h2 query at +2 ms, and the orphan at +20 ms.
            org.assertj.core.groups.Tuple.tuple(
                "h2", Instant.parse("2026-11-26T10:14:00Z"), 1L, 0L, 3.0),
            org.assertj.core.groups.Tuple.tuple(
                "postgresql", Instant.parse("2026-11-26T10:15:00Z"), 1L, 0L, 4.0));
  }

  @Test
  void theExitSpansOfARefusedTransactionAreNotCounted() {
    // Eight days old: the transaction is refused, and its spans with it.
    List<Span> spans = OtlpFixtures.request(now.minus(Duration.ofDays(8)), 200, false);
    OtlpMapper.Mapped m = mapper.traces(OtlpFixtures.traces(spans), now);
    assertThat(m.rejected()).isPositive();
    assertThat(m.services()).allSatisfy(s -> assertThat(s.exits.isEmpty()).isTrue());
  }

  @Test
  void idsThatAreNotIdsAreDroppedNotPassedOn() {
    Span odd =
        Span.newBuilder()
            .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[40]))
            .setSpanId(id(SERVER))
            .setName("GET /")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(nanos(now))
            .setEndTimeUnixNano(nanos(now) + 1000)
            .build();
    TransactionEvent t = only(odd);
    assertThat(t.traceId()).isNull(); // 80 hex digits: longer than any id
    assertThat(t.id()).isEqualTo(SERVER);
  }

  @Test
  void anErrorCarriesItsTransactionsRequestAndUserInUpbeatsShape() {
    List<Span> spans = new ArrayList<>(OtlpFixtures.request(now, 500, true));
    Span server = spans.removeLast();
    io.opentelemetry.proto.common.v1.AnyValue accept =
        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
            .setArrayValue(
                io.opentelemetry.proto.common.v1.ArrayValue.newBuilder()
                    .addValues(
                        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
                            .setStringValue("text/html"))
                    .addValues(
                        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
                            .setStringValue("*/*")))
            .build();
    spans.add(
        server.toBuilder()
            .addAttributes(attr("url.query", "page=2"))
            .addAttributes(attr("enduser.id", "42"))
            .addAttributes(attr("user.email", "ann@example.com"))
            .addAttributes(
                io.opentelemetry.proto.common.v1.KeyValue.newBuilder()
                    .setKey("http.request.header.accept")
                    .setValue(accept))
            .build());
    ErrorEvent e =
        mapper.traces(OtlpFixtures.traces(spans), now).services().getFirst().errors.getFirst();

    io.upbeat.events.ErrorContext c = io.upbeat.events.ErrorContext.parse(e.contextJson());
    assertThat(c.request().method()).isEqualTo("GET");
    assertThat(c.request().url()).isEqualTo("/users/1234/discount?page=2");
    assertThat(c.request().headers())
        .containsExactly(java.util.Map.entry("accept", "text/html, */*"));
    assertThat(c.user())
        .isEqualTo(new io.upbeat.events.ErrorContext.User("42", "ann@example.com", null));
    assertThat(e.contextJson()).contains(TRACE);
  }

  @Test
  void spansOutsideTheTimeWindowAreRejectedOneByOne() {
    List<Span> spans = new ArrayList<>(OtlpFixtures.request(now, 200, false));
    spans.add(
        spans.getLast().toBuilder()
            .setSpanId(id("0000000000000001"))
            .setStartTimeUnixNano(nanos(now.minus(Duration.ofDays(8))))
            .setEndTimeUnixNano(nanos(now.minus(Duration.ofDays(8))) + 1)
            .build());
    spans.add(
        spans.getLast().toBuilder()
            .setSpanId(id("0000000000000002"))
            .setStartTimeUnixNano(nanos(now) + 5)
            .setEndTimeUnixNano(nanos(now))
            .build());

    OtlpMapper.Mapped m = mapper.traces(OtlpFixtures.traces(spans), now);

    assertThat(m.rejected()).isEqualTo(2);
    assertThat(m.rejectionMessage()).startsWith("2 item(s) rejected; the first because");
    assertThat(m.services().getFirst().transactions).hasSize(1);
  }

  @Test
  void samplesWholeTracesByTheirIdAndTheFirstOfEachNameWithoutOne() {
    TraceSampler sampler = new TraceSampler(0.1);
    OtlpMapper tenth = new OtlpMapper(IntakeLimits.DEFAULTS, sampler);
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      spans.add(server(String.format("%032x", i + 1), i));
    }
    OtlpMapper.ServiceEvents s =
        tenth.traces(OtlpFixtures.traces(spans), now).services().getFirst();
    assertThat(s.transactions).hasSize(1000);
    assertThat(s.samples)
        .isNotEmpty()
        .allSatisfy(t -> assertThat(sampler.keeps(t.traceId())).isTrue())
        .hasSize((int) s.transactions.stream().filter(t -> sampler.keeps(t.traceId())).count())
        .hasSizeBetween(60, 140);

    List<Span> untraced = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      untraced.add(server(null, i));
    }
    OtlpMapper.ServiceEvents u =
        tenth.traces(OtlpFixtures.traces(untraced), now).services().getFirst();
    assertThat(u.transactions).hasSize(25);
    assertThat(u.samples).hasSize(OtlpMapper.SAMPLES_PER_NAME);
  }

  private Span server(String traceId, int i) {
    Span.Builder b =
        Span.newBuilder()
            .setSpanId(id(String.format("%016x", i + 1)))
            .setName("GET /a")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(nanos(now))
            .setEndTimeUnixNano(nanos(now) + 1000);
    if (traceId != null) {
      b.setTraceId(id(traceId));
    }
    return b.build();
  }

  @Test
  void serviceNamesTheNativeApiWouldRefuseAreMadeValid() {
    ServiceInfo s =
        OtlpMapper.serviceInfo(
            Attributes.of(
                List.of(
                    attr("service.name", "unknown_service:java"),
                    attr("deployment.environment", "prod"))));
    assertThat(s.name()).isEqualTo("unknown_service_java");
    assertThat(s.environment()).isEqualTo("prod");
    assertThat(OtlpMapper.serviceInfo(Attributes.EMPTY).environment()).isEqualTo("production");
  }

  @Test
  void logRecordsWithAnExceptionAreErrorsAndOthersAreSkipped() {
    ExportLogsServiceRequest request =
        ExportLogsServiceRequest.newBuilder()
            .addResourceLogs(
                ResourceLogs.newBuilder()
                    .setResource(OtlpFixtures.resource())
                    .addScopeLogs(
                        ScopeLogs.newBuilder()
                            .addLogRecords(
                                LogRecord.newBuilder()
                                    .setTimeUnixNano(nanos(now))
                                    .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO))
                            .addLogRecords(
                                LogRecord.newBuilder()
                                    .setObservedTimeUnixNano(nanos(now))
                                    .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR)
                                    .setTraceId(id(TRACE))
                                    .addAttributes(
                                        attr("exception.type", "java.lang.IllegalStateException"))
                                    .addAttributes(
                                        attr("exception.stacktrace", OtlpFixtures.STACK)))
                            .addLogRecords(
                                LogRecord.newBuilder()
                                    .setTimeUnixNano(nanos(now.minus(Duration.ofDays(30))))
                                    .addAttributes(attr("exception.message", "old")))))
            .build();

    OtlpMapper.Mapped m = mapper.logs(request, now);

    assertThat(m.rejected()).isEqualTo(1);
    List<ErrorEvent> errors = m.services().getFirst().errors;
    assertThat(errors).hasSize(1);
    assertThat(errors.getFirst().timestamp()).isEqualTo(now);
    assertThat(errors.getFirst().level()).isEqualTo("error");
    assertThat(errors.getFirst().exception().stacktrace()).hasSize(4);
    assertThat(errors.getFirst().exception().message()).isEqualTo("pricing failed");
    assertThat(errors.getFirst().traceId()).isEqualTo(TRACE);
    assertThat(errors.getFirst().parentId()).isNull();
  }

  private TransactionEvent only(Span span) {
    OtlpMapper.Mapped m = mapper.traces(OtlpFixtures.traces(List.of(span)), now);
    assertThat(m.services().getFirst().transactions).hasSize(1);
    return m.services().getFirst().transactions.getFirst();
  }
}
