package io.upbeat.intake.destinations;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.DestinationMetric;
import io.upbeat.metrics.LatencySketch;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitSpansTest {
  private static final long MINUTE = Instant.parse("2026-11-26T10:15:00Z").toEpochMilli();

  @Test
  void countsEachDestinationPerMinuteOfTheSpansStart() {
    ExitSpans exits = new ExitSpans();
    exits.add("inventory:8080", MINUTE + 1_000, 2.0, "success");
    exits.add("inventory:8080", MINUTE + 59_999, 4.0, "failure");
    exits.add("inventory:8080", MINUTE + 60_000, 8.0, null); // the next minute
    exits.add("postgresql", MINUTE - 1, 1.5, "unknown"); // the minute before
    exits.add(null, MINUTE, 100.0, "failure"); // not an exit span

    List<DestinationMetric> metrics = exits.metrics();

    assertThat(metrics)
        .extracting(
            DestinationMetric::destination,
            DestinationMetric::minute,
            DestinationMetric::count,
            DestinationMetric::failures,
            DestinationMetric::sumMs,
            DestinationMetric::minMs,
            DestinationMetric::maxMs)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:15:00Z"), 2L, 1L, 6.0, 2.0, 4.0),
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:16:00Z"), 1L, 0L, 8.0, 8.0, 8.0),
            org.assertj.core.groups.Tuple.tuple(
                "postgresql", Instant.parse("2026-11-26T10:14:00Z"), 1L, 0L, 1.5, 1.5, 1.5));
    for (DestinationMetric m : metrics) {
      assertThat(LatencySketch.checkedCount(m.sketch())).isEqualTo(m.count());
    }
  }

  @Test
  void manyMinutesOfOneDestinationAndTheAgentsOwnMetricsFirst() {
    ExitSpans exits = new ExitSpans();
    assertThat(exits.isEmpty()).isTrue();
    List<DestinationMetric> sent = List.of();
    assertThat(exits.after(sent)).isSameAs(sent);
    for (int m = 0; m < 5; m++) {
      for (int i = 0; i <= m; i++) {
        exits.add("billing", MINUTE + m * 60_000L + i, 1.0, "failure");
      }
    }
    assertThat(exits.metrics())
        .extracting(DestinationMetric::count)
        .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    DestinationMetric own =
        new DestinationMetric("a", Instant.ofEpochMilli(MINUTE), 1, 0, 1, 1, 1, new byte[0]);
    assertThat(exits.after(List.of(own))).hasSize(6).first().isSameAs(own);
  }
}
