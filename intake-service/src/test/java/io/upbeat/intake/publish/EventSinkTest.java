package io.upbeat.intake.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.DestinationMetric;
import io.upbeat.events.ErrorEvent;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.OrphanSpan;
import io.upbeat.events.Scrubber;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.Span;
import io.upbeat.events.StackFrame;
import io.upbeat.events.Topics;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.publish.EventSink.Outcome;
import io.upbeat.intake.publish.EventSink.Receiver;
import io.upbeat.intake.ratelimit.AppRateLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class EventSinkTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:16:00Z");
  private static final UUID APP = UUID.fromString("229b7b64-77fd-4b47-beb9-ca35d8a9d311");

  private final AtomicLong nanos = new AtomicLong();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<ProducerRecord<byte[], byte[]>> published = new ArrayList<>();
  private GroupCommitPublisher.Outcome publishAs = GroupCommitPublisher.Outcome.COMMITTED;

  private final EventSink sink =
      new EventSink(
          new AppRateLimiter(10, 10, nanos::get),
          records -> {
            if (publishAs == GroupCommitPublisher.Outcome.COMMITTED) {
              published.addAll(records);
            }
            return publishAs;
          },
          new Topics(""),
          app -> Scrubber.DEFAULT,
          meters);

  private static ServiceInfo service() {
    return new ServiceInfo("shop", null, null, null, null, null, null);
  }

  private static TransactionEvent transaction(String name, String context) {
    return new TransactionEvent(
        "t1",
        "tr",
        name,
        "request",
        NOW,
        1,
        null,
        null,
        List.of(new Span(name, "db", 0.0, 1.0)),
        context);
  }

  private static EventBatch batch(List<TransactionEvent> transactions, List<OrphanSpan> orphans) {
    return new EventBatch(
        UUID.randomUUID(),
        APP,
        NOW,
        service(),
        transactions,
        List.of(),
        List.of(),
        List.of(),
        orphans);
  }

  private double replaced(Receiver r) {
    return meters
        .counter("upbeat.intake.text.replaced", "receiver", r.name().toLowerCase())
        .count();
  }

  /** The codec may store U+FFFD as the character or its escape. */
  private static String unescaped(String json) {
    return json.replace("\\uFFFD", "\uFFFD");
  }

  @Test
  void publishesEveryBatchAsOneRecordWithTheAppHeader() {
    Outcome outcome =
        sink.accept(
            Receiver.EVENTS,
            APP,
            List.of(
                batch(List.of(transaction("a", null)), List.of()), batch(List.of(), List.of())));

    assertThat(outcome).isEqualTo(new Outcome.Accepted(0));
    assertThat(published).hasSize(2);
    assertThat(published.getFirst().topic()).isEqualTo(new Topics("").events());
    assertThat(published.getFirst().key()).isNull();
    assertThat(
            new String(
                published.getFirst().headers().lastHeader("upbeat-app").value(),
                StandardCharsets.UTF_8))
        .isEqualTo(APP.toString());
    // The parts header, and the timings header the metrics pipeline reads instead of the value,
    // are derived from the value's own batch; a batch without timings has none.
    EventBatch first = EventBatchCodec.decode(published.getFirst().value());
    assertThat(published.getFirst().headers().lastHeader(EventBatchCodec.PARTS_HEADER).value())
        .isEqualTo(EventBatchCodec.partsHeader(first));
    assertThat(published.getFirst().headers().lastHeader(EventTimings.HEADER).value())
        .isEqualTo(EventTimings.encode(first));
    assertThat(published.get(1).headers().lastHeader(EventTimings.HEADER)).isNull();
  }

  @Test
  void replacesUnstorableTextInEveryStringAndCountsIt() {
    ExceptionInfo cause =
        new ExceptionInfo(
            "x\u0000",
            "m\uD800",
            List.of(new StackFrame("m\u0000", "f", null, null, 1, true)),
            null);
    ErrorEvent error =
        new ErrorEvent(
            "e\u0000",
            NOW,
            null,
            null,
            "error",
            "c\uDC00",
            new ExceptionInfo("T", "ok", List.of(), cause),
            List.of("fp\u0000"),
            "{\"k\\u0000\":\"v\\ud800\"}");
    EventBatch b =
        new EventBatch(
            UUID.randomUUID(),
            APP,
            NOW,
            service(),
            List.of(transaction("GET /\u0000", "{\"a\":\"\\u0000\"}")),
            List.of(error),
            List.of(),
            List.of(),
            List.of(new OrphanSpan("tr", "t0", NOW, new Span("s\u0000", "db", null, 1.0))),
            List.of(new DestinationMetric("db\u0000", NOW, 1, 0, 1, 1, 1, new byte[] {1})));

    Outcome outcome = sink.accept(Receiver.OTLP, APP, List.of(b));

    assertThat(outcome).isInstanceOf(Outcome.Accepted.class);
    EventBatch stored = EventBatchCodec.decode(published.getFirst().value());
    TransactionEvent t = stored.transactions().getFirst();
    assertThat(t.name()).isEqualTo("GET /\uFFFD");
    assertThat(t.spans().getFirst().name()).isEqualTo("GET /\uFFFD");
    assertThat(unescaped(t.contextJson())).isEqualTo("{\"a\":\"\uFFFD\"}");
    ErrorEvent e = stored.errors().getFirst();
    assertThat(e.id()).isEqualTo("e\uFFFD");
    assertThat(e.culprit()).isEqualTo("c\uFFFD");
    assertThat(e.fingerprint()).containsExactly("fp\uFFFD");
    assertThat(unescaped(e.contextJson())).isEqualTo("{\"k\uFFFD\":\"v\uFFFD\"}");
    assertThat(e.exception().cause().type()).isEqualTo("x\uFFFD");
    assertThat(e.exception().cause().message()).isEqualTo("m\uFFFD");
    assertThat(e.exception().cause().stacktrace().getFirst().module()).isEqualTo("m\uFFFD");
    assertThat(stored.orphanSpans().getFirst().span().name()).isEqualTo("s\uFFFD");
    assertThat(stored.destinationMetrics().getFirst().destination()).isEqualTo("db\uFFFD");
    assertThat(((Outcome.Accepted) outcome).textReplaced()).isEqualTo(12);
    assertThat(replaced(Receiver.OTLP)).isEqualTo(12);
    assertThat(replaced(Receiver.EVENTS)).isZero();
  }

  @Test
  void aCleanBatchIsEncodedAsItIs() {
    EventBatch clean = batch(List.of(transaction("GET / é 𝄞 \u202E", "{\"a\":1}")), List.of());
    assertThat(new StorableBatch().of(clean)).isSameAs(clean);
  }

  @Test
  void orphanSpansCostTokensLikeEvents() {
    List<OrphanSpan> orphans =
        Collections.nCopies(10, new OrphanSpan("tr", "t0", NOW, new Span("s", "db", null, 1.0)));

    assertThat(sink.accept(Receiver.OTLP, APP, List.of(batch(List.of(), orphans))))
        .isInstanceOf(Outcome.Accepted.class);
    Outcome second =
        sink.accept(Receiver.OTLP, APP, List.of(batch(List.of(), orphans.subList(0, 1))));

    assertThat(second).isInstanceOf(Outcome.RateLimited.class);
    assertThat(((Outcome.RateLimited) second).retryAfter()).isPositive();
    assertThat(published).hasSize(1);
    assertThat(sink.mayTry(APP)).isPositive();
    assertThat(sink.mayTry(UUID.randomUUID())).isZero();
  }

  @Test
  void destinationMetricsCostATokenEach() {
    EventBatch calls =
        batch(List.of(), List.of())
            .withDestinationMetrics(
                Collections.nCopies(
                    10, new DestinationMetric("db", NOW, 5, 0, 5, 1, 1, new byte[] {1})));
    assertThat(EventSink.tokens(calls)).isEqualTo(10);
    assertThat(sink.accept(Receiver.EVENTS, APP, List.of(calls)))
        .isInstanceOf(Outcome.Accepted.class);
    assertThat(sink.accept(Receiver.EVENTS, APP, List.of(calls)))
        .isInstanceOf(Outcome.RateLimited.class);
  }

  @Test
  void aFailedPublishIsUnavailableAndCountsNoReplacement() {
    publishAs = GroupCommitPublisher.Outcome.FAILED;

    Outcome outcome =
        sink.accept(
            Receiver.ELASTIC, APP, List.of(batch(List.of(transaction("\u0000", null)), List.of())));

    assertThat(outcome).isEqualTo(new Outcome.Unavailable(EventSink.UNAVAILABLE_RETRY));
    assertThat(replaced(Receiver.ELASTIC)).isZero();
  }

  @Test
  void nothingToPublishIsAcceptedWithoutKafka() {
    assertThat(sink.accept(Receiver.OTLP, APP, List.of())).isEqualTo(new Outcome.Accepted(0));
    assertThat(published).isEmpty();
  }
}
