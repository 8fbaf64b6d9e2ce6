package io.upbeat.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent's per-destination aggregates: exact counts and failures per minute (the times are
 * given, as the clock), the cap on destinations, and the JSON element intake reads.
 */
class DestinationMetricsTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_795_000_000_000L - 1_795_000_000_000L % MINUTE;

  @Test
  void countsFailuresAndTimingsPerDestinationExactly() throws Exception {
    DestinationMetrics m = new DestinationMetrics(100);
    for (int i = 0; i < 1_000; i++) {
      // A new string per call, as an HTTP client builds its host:port.
      m.record(new String("inventory:8080"), T0 + i, 1 + i % 10, i % 4 == 0);
    }
    m.record("postgresql", T0 + 59_999, 0.25, false);

    Map<String, DestinationMetrics.Aggregate> out = byDestination(m.drain(T0 + 30_000));
    assertThat(out).containsOnlyKeys("inventory:8080", "postgresql");
    StripedTimings.Totals calls = out.get("inventory:8080").totals();
    assertThat(out.get("inventory:8080").minute()).isEqualTo(T0 / MINUTE);
    assertThat(calls.count()).isEqualTo(1_000);
    assertThat(calls.failures()).isEqualTo(250);
    assertThat(calls.sumMs()).isEqualTo(100 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10));
    assertThat(calls.minMs()).isEqualTo(1);
    assertThat(calls.maxMs()).isEqualTo(10);
    // The transaction metrics' sketch: the same mapping decodes it, with every call in it.
    DDSketch sketch =
        DDSketch.decode(
            ByteArrayInput.wrap(Base64.getDecoder().decode(calls.sketchBase64())),
            UnboundedSizeDenseStore::new,
            new LogarithmicMapping(0.005));
    assertThat(sketch.getCount()).isEqualTo(1_000);
    assertThat(sketch.getMaxValue())
        .isCloseTo(10, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(out.get("postgresql").totals().count()).isOne();

    assertThat(m.drain(T0 + 40_000)).isEmpty(); // nothing new since
  }

  @Test
  void callsFallInTheMinuteTheyStartedAndOldMinutesAreForgotten() {
    DestinationMetrics m = new DestinationMetrics(100);
    m.record("billing:9090", T0 + MINUTE - 1, 5, false);
    m.record("billing:9090", T0 + MINUTE, 7, true);
    m.record("billing:9090", T0 + MINUTE + 1, 9, false);

    List<DestinationMetrics.Aggregate> first = m.drain(T0 + MINUTE + 2);
    assertThat(first)
        .extracting(
            a -> a.minute() - T0 / MINUTE, a -> a.totals().count(), a -> a.totals().failures())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(0L, 1L, 0L),
            org.assertj.core.groups.Tuple.tuple(1L, 2L, 1L));
    assertThat(m.cells()).isEqualTo(2);

    // Two minutes on, the first minute's cell is closed and forgotten: a late call to it is
    // counted in a fresh cell, sent at the next drain, never lost.
    assertThat(m.drain(T0 + 3 * MINUTE)).isEmpty();
    assertThat(m.cells()).isZero();
    m.record("billing:9090", T0 + 10, 3, false);
    assertThat(m.drain(T0 + 3 * MINUTE))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.minute()).isEqualTo(T0 / MINUTE);
              assertThat(a.totals().count()).isOne();
              assertThat(a.totals().maxMs()).isEqualTo(3);
            });
  }

  @Test
  void destinationsBeyondTheCapAreCountedUnderOther() {
    DestinationMetrics m = new DestinationMetrics(3);
    for (int i = 0; i < 10; i++) {
      m.record("host-" + i + ":80", T0, 1, i == 9);
    }
    Map<String, DestinationMetrics.Aggregate> out = byDestination(m.drain(T0));
    assertThat(out)
        .containsOnlyKeys("host-0:80", "host-1:80", "host-2:80", DestinationMetrics.OTHER);
    assertThat(out.get(DestinationMetrics.OTHER).totals().count()).isEqualTo(7);
    assertThat(out.get(DestinationMetrics.OTHER).totals().failures()).isOne();
    assertThat(m.folded()).isEqualTo(7);
    assertThat(m.cells()).isEqualTo(4); // the cap, and the one overflow cell beyond it
    assertThatThrownBy(() -> new DestinationMetrics(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
  }

  @Test
  void anAggregateIsWrittenAsIntakeReadsIt() {
    DestinationMetrics m = new DestinationMetrics(10);
    m.record("inventory:8080", T0 + 15 * 1_000, 2.5, false);
    m.record("inventory:8080", T0 + 16 * 1_000, 95, true);
    Json j = new Json(256);
    m.drain(T0).get(0).write(j);
    JsonNode a = JsonMapper.shared().readTree(j.toString());
    assertThat(a.propertyNames())
        .containsExactly(
            "destination",
            "timestamp",
            "count",
            "failures",
            "sum_ms",
            "min_ms",
            "max_ms",
            "sketch");
    assertThat(a.get("destination").asString()).isEqualTo("inventory:8080");
    assertThat(a.get("timestamp").asString())
        .isEqualTo(java.time.Instant.ofEpochMilli(T0).toString().replace("Z", ".000Z"));
    assertThat(a.get("count").asLong()).isEqualTo(2);
    assertThat(a.get("failures").asLong()).isEqualTo(1);
    assertThat(a.get("sum_ms").asDouble()).isEqualTo(97.5);
    assertThat(a.get("min_ms").asDouble()).isEqualTo(2.5);
    assertThat(a.get("max_ms").asDouble()).isEqualTo(95);
    assertThat(Base64.getDecoder().decode(a.get("sketch").asString())).isNotEmpty();
  }

  private static Map<String, DestinationMetrics.Aggregate> byDestination(
      List<DestinationMetrics.Aggregate> aggregates) {
    return aggregates.stream()
        .collect(Collectors.toMap(DestinationMetrics.Aggregate::destination, a -> a));
  }
}
