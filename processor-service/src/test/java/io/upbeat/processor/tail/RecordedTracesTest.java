package io.upbeat.processor.tail;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.processor.MutableClock;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tail pipeline's copy of {@code tail_traces}: when it reads, what it reads, what it forgets.
 */
class RecordedTracesTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Map.Entry<String, Instant>> table = new ArrayList<>();
  private final List<Instant> reads = new ArrayList<>();
  private boolean failing;

  private final RecordedTraces.Source source =
      from -> {
        reads.add(from);
        if (failing) {
          throw new SQLTransientConnectionException("PostgreSQL is down");
        }
        List<Map.Entry<String, Instant>> rows = new ArrayList<>();
        for (Map.Entry<String, Instant> row : table) {
          if (!row.getValue().isBefore(from)) {
            rows.add(row);
          }
        }
        return rows;
      };

  private RecordedTraces traces(int max) {
    return new RecordedTraces(
        source, clock, Duration.ofSeconds(1), Duration.ofHours(1), max, meters);
  }

  @Test
  void readsTheLastHourFirstThenOnlyWhatIsNewOncePerInterval() {
    table.add(Map.entry("old", clock.instant().minus(Duration.ofMinutes(61))));
    table.add(Map.entry("a", clock.instant().minusSeconds(30)));
    RecordedTraces traces = traces(100);

    assertThat(traces.contains("a")).isTrue();
    assertThat(traces.contains("old")).isFalse();
    assertThat(reads).containsExactly(clock.instant().minus(Duration.ofHours(1)));

    // Recorded meanwhile: not seen before the next refresh is due.
    table.add(Map.entry("b", clock.instant()));
    clock.advance(Duration.ofMillis(500));
    assertThat(traces.contains("b")).isFalse();
    assertThat(reads).hasSize(1);

    clock.advance(Duration.ofMillis(500));
    assertThat(traces.contains("b")).isTrue();
    // From the latest decision seen (a's) less the overlap.
    assertThat(reads.get(1))
        .isEqualTo(Instant.parse("2026-12-05T11:59:30Z").minus(RecordedTraces.OVERLAP));
  }

  @Test
  void aCommitLandingLateWithAnEarlierDecisionTimeIsStillRead() {
    table.add(Map.entry("first", clock.instant()));
    RecordedTraces traces = traces(100);
    assertThat(traces.contains("first")).isTrue();

    // Another processor decided 20 s ago and committed only now.
    table.add(Map.entry("late", clock.instant().minusSeconds(20)));
    clock.advance(Duration.ofSeconds(1));
    assertThat(traces.contains("late")).isTrue();
  }

  @Test
  void forgetsTracesOlderThanTheRetentionAndTheOldestBeyondTheCap() {
    table.add(Map.entry("a", clock.instant().minusSeconds(50)));
    table.add(Map.entry("b", clock.instant().minusSeconds(40)));
    table.add(Map.entry("c", clock.instant().minusSeconds(30)));
    RecordedTraces traces = traces(2);
    assertThat(traces.contains("a")).isFalse();
    assertThat(traces.contains("b")).isTrue();
    assertThat(traces.contains("c")).isTrue();
    assertThat(meters.counter("upbeat.processor.traces.tail", "result", "evicted").count())
        .isEqualTo(1);

    clock.advance(Duration.ofMinutes(59).plusSeconds(25));
    assertThat(traces.contains("b")).isFalse();
    assertThat(traces.contains("c")).isTrue();
    assertThat(traces.size()).isEqualTo(1);
    // Expiry is not eviction.
    assertThat(meters.counter("upbeat.processor.traces.tail", "result", "evicted").count())
        .isEqualTo(1);
  }

  @Test
  void aFailedReadKeepsWhatWasReadAndIsRetriedAtTheNextInterval() throws SQLException {
    table.add(Map.entry("a", clock.instant()));
    RecordedTraces traces = traces(100);
    assertThat(traces.contains("a")).isTrue();

    failing = true;
    table.add(Map.entry("b", clock.instant()));
    clock.advance(Duration.ofSeconds(1));
    assertThat(traces.contains("a")).isTrue();
    assertThat(traces.contains("b")).isFalse();
    assertThat(meters.counter("upbeat.processor.traces.tail", "result", "refresh_failed").count())
        .isEqualTo(1);
    assertThat(reads).hasSize(2); // not again within the interval

    failing = false;
    clock.advance(Duration.ofSeconds(1));
    assertThat(traces.contains("b")).isTrue();
  }
}
