package io.upbeat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class EventTimingsTest {
  /** The header must say exactly what the metrics pipeline reads from the JSON value. */
  @Property(tries = 300)
  void theHeaderDecodesToWhatTheValueDecodesTo(@ForAll("batches") EventBatch batch) {
    EventBatchCodec.Encoded encoded = EventBatchCodec.encodeRecord(batch);
    EventBatch fromValue =
        EventBatchCodec.decode(encoded.value(), EventBatchCodec.Parts.TRANSACTION_TIMINGS);
    if (encoded.timings() == null) {
      assertThat(batch.transactions()).isEmpty();
      assertThat(batch.metrics()).isEmpty();
      assertThat(batch.destinationMetrics()).isEmpty();
      return;
    }
    EventBatch fromHeader = EventTimings.decode(encoded.timings());
    assertSame(fromHeader, fromValue);
    assertSame(
        EventBatchCodec.decode(
            encoded.value(), encoded.timings(), EventBatchCodec.Parts.TRANSACTION_TIMINGS),
        fromValue);
  }

  /** Every field of every part survives the JSON value, trace links included. */
  @Property(tries = 300)
  void theValueRoundTripsEveryField(@ForAll("batches") EventBatch batch) {
    EventBatch read = EventBatchCodec.decode(EventBatchCodec.encode(batch));
    assertThat(read.transactions()).isEqualTo(batch.transactions());
    assertThat(read.samples()).isEqualTo(batch.samples());
    assertThat(read.errors()).isEqualTo(batch.errors());
    assertThat(read.service()).isEqualTo(batch.service());
  }

  @Test
  void aFullBatchKeepsEveryTimingField() {
    EventBatch batch = EventBatchCodecTest.fullBatch();
    EventBatch fromHeader = EventTimings.decode(EventTimings.encode(batch));
    assertSame(
        fromHeader,
        EventBatchCodec.decode(
            EventBatchCodec.encode(batch), EventBatchCodec.Parts.TRANSACTION_TIMINGS));
    assertThat(fromHeader.transactions().get(0).timestamp())
        .isEqualTo(Instant.parse("2026-11-26T10:15:30.123Z"));
    assertThat(fromHeader.errors()).isEmpty();
    assertThat(fromHeader.transactions().get(0).spans()).isEmpty();
    assertThat(fromHeader.transactions().get(0).contextJson()).isNull();
  }

  /**
   * A batch without destination metrics keeps the version 1 header, byte for byte what processors
   * before them read; one with them is version 2, which this reader reads and an older one leaves
   * for the value.
   */
  @Test
  void destinationMetricsMakeTheHeaderVersionTwoAndOnlyThey() {
    EventBatch plain = EventBatchCodecTest.fullBatch();
    byte[] v1 = EventTimings.encode(plain);
    assertThat(v1[0]).isEqualTo((byte) 1);
    assertThat(EventTimings.decode(v1).destinationMetrics()).isEmpty();

    EventBatch batch = plain.withDestinationMetrics(List.of(EventBatchCodecTest.INVENTORY));
    byte[] v2 = EventTimings.encode(batch);
    assertThat(v2[0]).isEqualTo((byte) 2);
    EventBatch read = EventTimings.decode(v2);
    assertThat(read.transactions()).isEqualTo(EventTimings.decode(v1).transactions());
    assertSame(
        read,
        EventBatchCodec.decode(
            EventBatchCodec.encode(batch), EventBatchCodec.Parts.TRANSACTION_TIMINGS));
    // Version 1 readers refused anything but version 1: they fall back to the value.
    v2[0] = 3;
    assertThatThrownBy(() -> EventTimings.decode(v2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBatchWithoutTimingsHasNoHeader() {
    EventBatch full = EventBatchCodecTest.fullBatch();
    EventBatch errorsOnly =
        new EventBatch(
            full.batchId(), full.appId(), full.receivedAt(), full.service(), null, full.errors());
    assertThat(EventTimings.encode(errorsOnly)).isNull();
    assertThat(EventBatchCodec.encodeRecord(errorsOnly).timings()).isNull();
  }

  /** Whatever the bytes, a reader gets a batch or IllegalArgumentException, and a bounded one. */
  @Test
  void garbledHeadersAreRefusedWithIllegalArgumentOnly() {
    byte[] good = EventTimings.encode(EventBatchCodecTest.fullBatch());
    Random random = new Random(7);
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> EventTimings.decode(truncated))
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (int i = 0; i < 20_000; i++) {
      byte[] flipped = good.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        flipped[random.nextInt(flipped.length)] = (byte) random.nextInt(256);
      }
      try {
        EventTimings.decode(flipped);
      } catch (IllegalArgumentException expected) {
        // refused: the reader falls back on the value
      }
    }
    byte[] extra = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> EventTimings.decode(extra))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("extra bytes");
  }

  @Test
  void aCountLargerThanItsBytesIsRefusedBeforeAllocating() {
    // version, two uuids, an instant, seven null refs, then a table of 2^31-1 strings
    byte[] header = new byte[1 + 32 + 2 + 7 + 5];
    header[0] = 1;
    int at = 33;
    header[at++] = 0; // seconds
    header[at++] = 0; // nanos
    at += 7;
    header[at++] = (byte) 0xFF;
    header[at++] = (byte) 0xFF;
    header[at++] = (byte) 0xFF;
    header[at++] = (byte) 0xFF;
    header[at] = 0x07;
    assertThatThrownBy(() -> EventTimings.decode(header))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds its bytes");
  }

  @Test
  void anUnreadableHeaderCostsSpeedNotTheRecord() {
    EventBatch batch = EventBatchCodecTest.fullBatch();
    byte[] value = EventBatchCodec.encode(batch);
    byte[] wrongVersion = EventTimings.encode(batch);
    wrongVersion[0] = 2;
    EventBatch read =
        EventBatchCodec.decode(value, wrongVersion, EventBatchCodec.Parts.TRANSACTION_TIMINGS);
    assertSame(read, EventBatchCodec.decode(value, EventBatchCodec.Parts.TRANSACTION_TIMINGS));
    // Other readers never use the header: the errors pipeline reads the value.
    EventBatch errors =
        EventBatchCodec.decode(value, EventTimings.encode(batch), EventBatchCodec.Parts.ERRORS);
    assertThat(errors.errors()).isEqualTo(batch.errors());
  }

  private static void assertSame(EventBatch actual, EventBatch expected) {
    assertThat(actual.batchId()).isEqualTo(expected.batchId());
    assertThat(actual.appId()).isEqualTo(expected.appId());
    assertThat(actual.receivedAt()).isEqualTo(expected.receivedAt());
    assertThat(actual.service()).isEqualTo(expected.service());
    assertThat(actual.transactions()).isEqualTo(expected.transactions());
    assertThat(actual.errors()).isEmpty();
    assertThat(actual.samples()).isEmpty();
    assertThat(actual.orphanSpans()).isEmpty();
    assertThat(actual.metrics()).hasSameSizeAs(expected.metrics());
    for (int i = 0; i < expected.metrics().size(); i++) {
      TransactionMetric a = actual.metrics().get(i);
      TransactionMetric e = expected.metrics().get(i);
      assertThat(a).usingRecursiveComparison().isEqualTo(e);
    }
    assertThat(actual.destinationMetrics()).hasSameSizeAs(expected.destinationMetrics());
    for (int i = 0; i < expected.destinationMetrics().size(); i++) {
      assertThat(actual.destinationMetrics().get(i))
          .usingRecursiveComparison()
          .isEqualTo(expected.destinationMetrics().get(i));
    }
  }

  @Provide
  Arbitrary<EventBatch> batches() {
    // Storable text, as intake writes it (StorableBatch ran before encoding): any code point but
    // NUL and lone surrogates, including supplementary characters and long strings.
    Arbitrary<String> text =
        Arbitraries.strings()
            .all()
            .ofMaxLength(300)
            .map(StorableText::storable)
            .injectDuplicates(0.5);
    Arbitrary<String> optional = text.injectNull(0.3);
    Arbitrary<Instant> instants =
        Arbitraries.longs()
            .between(-62_135_596_800L, 253_402_300_799L)
            .flatMap(
                s ->
                    Arbitraries.integers()
                        .between(0, 999_999_999)
                        .map(n -> Instant.ofEpochSecond(s, n)));
    Arbitrary<Double> durations =
        Arbitraries.oneOf(
            Arbitraries.doubles().between(0, 1e9),
            Arbitraries.of(0.0, Double.MIN_VALUE, 1e308, -0.0));
    Arbitrary<String> ids = Arbitraries.strings().withChars("0123456789abcdef").ofLength(16);
    Arbitrary<String> optionalId = ids.injectNull(0.4);
    Arbitrary<Span> span =
        Combinators.combine(optional, optional, optionalId, optionalId, optional, optional)
            .as(
                (name, type, id, parent, destination, outcome) ->
                    new Span(name, type, 0.0, 1.0, id, parent, destination, outcome));
    Arbitrary<Boolean> sampled = Arbitraries.of(true, false).injectNull(0.3);
    Arbitrary<TransactionEvent> transaction =
        Combinators.combine(
                Combinators.combine(text, text, instants, durations)
                    .as((a, b, c, d) -> Arrays.<Object>asList(a, b, c, d)),
                Combinators.combine(optional, optional, optional, optional)
                    .as((a, b, c, d) -> Arrays.<Object>asList(a, b, c, d)),
                optionalId,
                sampled,
                span.list().ofMaxSize(3))
            .as(
                (required, rest, parent, isSampled, spans) ->
                    new TransactionEvent(
                        (String) rest.get(2),
                        (String) rest.get(3),
                        (String) required.get(0),
                        (String) required.get(1),
                        (Instant) required.get(2),
                        (Double) required.get(3),
                        (String) rest.get(0),
                        (String) rest.get(1),
                        spans,
                        "{\"tags\":{\"a\":\"b\"}}",
                        parent,
                        isSampled));
    Arbitrary<ErrorEvent> error =
        Combinators.combine(instants, optionalId, optionalId, optionalId, optional)
            .as(
                (at, txId, trace, parent, message) ->
                    new ErrorEvent(
                        null,
                        at,
                        txId,
                        null,
                        "error",
                        null,
                        new ExceptionInfo("Boom", message, List.of(), null),
                        null,
                        null,
                        trace,
                        parent));
    Arbitrary<TransactionMetric> metric =
        Combinators.combine(
                text,
                text,
                instants,
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 1_000_000),
                durations,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
            .as(
                (name, type, minute, count, failures, sum, sketch) ->
                    new TransactionMetric(
                        name, type, minute, count, failures, sum, sum / 2, sum, sketch));
    Arbitrary<DestinationMetric> destination =
        Combinators.combine(
                text,
                instants,
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 1_000_000),
                durations,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
            .as(
                (to, minute, count, failures, sum, sketch) ->
                    new DestinationMetric(to, minute, count, failures, sum, sum / 2, sum, sketch));
    Arbitrary<ServiceInfo> service =
        Combinators.combine(text, optional, optional, optional, optional, optional, optional)
            .as(ServiceInfo::new);
    return Combinators.combine(
            service,
            transaction.list().ofMaxSize(40),
            metric.list().ofMaxSize(5),
            instants,
            Arbitraries.create(UUID::randomUUID),
            error.list().ofMaxSize(3),
            transaction.list().ofMaxSize(3),
            destination.list().ofMaxSize(4).injectDuplicates(0.3))
        .as(
            (s, txs, metrics, received, id, errors, samples, destinations) ->
                new EventBatch(
                    id,
                    UUID.randomUUID(),
                    received,
                    s,
                    new ArrayList<>(txs),
                    errors,
                    samples,
                    metrics,
                    List.of(),
                    destinations));
  }
}
