package io.upbeat.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.metrics.DurationStats;
import io.upbeat.metrics.Statistic;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Each minute condition against known minute data, in memory. */
class ReadingsTest {
  private static final UUID APP = UUID.randomUUID();
  private static final Instant T0 = Instant.parse("2026-12-01T09:57:00Z"); // crosses 10:00

  private static Instant min(int m) {
    return T0.plusSeconds(60L * m);
  }

  /** In-memory minute data: what was asked is recorded, so the read windows are checked too. */
  private static final class Known implements MinuteSource {
    final Map<Instant, DurationStats> txns = new HashMap<>();
    final Map<Instant, Long> errors = new HashMap<>();
    Instant from;
    Instant to;

    @Override
    public Map<Instant, DurationStats> transactions(
        UUID app, String environment, String transaction, Instant from, Instant to) {
      this.from = from;
      this.to = to;
      return txns;
    }

    @Override
    public Map<Instant, Long> errors(
        UUID app, String environment, UUID group, Instant from, Instant to) {
      this.from = from;
      this.to = to;
      return errors;
    }

    void minute(int m, double... durations) {
      DurationStats s = new DurationStats();
      for (double d : durations) {
        s.add(d, false);
      }
      txns.put(min(m), s);
    }

    void requests(int m, int ok, int failed) {
      DurationStats s = new DurationStats();
      for (int i = 0; i < ok + failed; i++) {
        s.add(10, i < failed);
      }
      txns.put(min(m), s);
    }
  }

  private static List<Boolean> breached(Condition c, Known data, int first, int last) {
    return Readings.evaluate(c, data, APP, null, min(first), min(last)).stream()
        .map(Readings.Reading::breached)
        .toList();
  }

  @Test
  void latencyNeedsEveryMinuteOfTheWindowAboveTheThreshold() {
    Known data = new Known();
    data.minute(0, 100, 100);
    data.minute(1, 300, 300);
    data.minute(2, 300, 301);
    data.minute(3, 200.0, 200.0); // exactly the threshold: not above
    data.minute(4, 250, 260);
    data.minute(5, 250, 260);
    // minute 6: no traffic
    data.minute(7, 900);
    Condition c = new Condition.Latency(Statistic.AVG, 200, 2, null);
    assertThat(breached(c, data, 0, 7))
        .containsExactly(false, false, true, false, false, true, false, false);
    assertThat(data.from).isEqualTo(min(-1));
    assertThat(data.to).isEqualTo(min(8));
    List<Readings.Reading> r = Readings.evaluate(c, data, APP, null, min(2), min(2));
    assertThat(r.getFirst().value()).isEqualTo(300.5);
  }

  @Test
  void latencyPercentilesAreTheMergedSketchesQuantiles() {
    Known data = new Known();
    double[] durations = new double[100];
    for (int i = 0; i < 100; i++) {
      durations[i] = i + 1; // 1..100 ms: p95 is about 95
    }
    data.minute(0, durations);
    DurationStats same = data.txns.get(min(0));
    double p95 = Statistic.P95.of(same);
    assertThat(breached(new Condition.Latency(Statistic.P95, p95 - 0.001, 1, null), data, 0, 0))
        .containsExactly(true);
    assertThat(breached(new Condition.Latency(Statistic.P95, p95, 1, null), data, 0, 0))
        .containsExactly(false);
    assertThat(
            Readings.evaluate(
                    new Condition.Latency(Statistic.P99, 1, 1, "GET /x"),
                    data,
                    APP,
                    null,
                    min(0),
                    min(0))
                .getFirst()
                .value())
        .isEqualTo(Statistic.P99.of(same));
  }

  @Test
  void errorRateCountsOnlyMinutesWithEnoughRequests() {
    Known data = new Known();
    data.requests(0, 9, 1); // 10 %
    data.requests(1, 8, 2); // 20 %
    data.requests(2, 0, 3); // 100 % of 3 requests: below min_requests 5, no rate
    data.requests(3, 4, 6); // 60 %
    data.requests(4, 5, 5); // 50 %
    Condition c = new Condition.ErrorRate(10, 2, 5);
    assertThat(breached(c, data, 0, 4)).containsExactly(false, false, false, false, true);
    assertThat(Readings.evaluate(c, data, APP, null, min(2), min(2)).getFirst().value()).isNull();
    assertThat(Readings.evaluate(c, data, APP, null, min(1), min(1)).getFirst().value())
        .isEqualTo(20.0);
  }

  @Test
  void throughputBelowCountsMissingMinutesAsZero() {
    Known data = new Known();
    data.requests(0, 5, 0);
    data.requests(1, 2, 0);
    data.requests(3, 3, 0);
    data.requests(4, 4, 0);
    Condition c = new Condition.ThroughputBelow(4, 2, null);
    // minutes 1 (2) and 2 (0): below; 2 and 3 (3): below; 3 and 4 (4): 4 is not below 4.
    assertThat(breached(c, data, 0, 4)).containsExactly(false, false, true, true, false);
  }

  @Test
  void errorCountSumsTheWindowAndFiresAboveTheThreshold() {
    Known data = new Known();
    data.errors.put(min(0), 3L);
    data.errors.put(min(1), 2L);
    data.errors.put(min(3), 1L);
    Condition c = new Condition.ErrorCount(4, 3, null);
    // windows of 3 ending at 0..4: 3, 5, 5, 3, 1
    assertThat(breached(c, data, 0, 4)).containsExactly(false, true, true, false, false);
    assertThat(
            Readings.evaluate(c, data, APP, null, min(0), min(4)).stream()
                .map(Readings.Reading::value)
                .toList())
        .containsExactly(3.0, 5.0, 5.0, 3.0, 1.0);
    assertThat(data.from).isEqualTo(min(-2));
  }
}
