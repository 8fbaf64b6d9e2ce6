package io.upbeat.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The contract's accuracy rule on the stored form: 100,000 durations from lognormal, bimodal and
 * Pareto distributions over 90 minutes, spread over three partitions' rows, each row stored and
 * read back (serialized sketch) before merging. Every per-minute, per-hour and whole-window
 * p50/p90/p95/p99 must lie within 1% of the exact nearest-rank value; counts and sums exact.
 */
class DurationStatsAccuracyTest {
  private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};
  private static final int MINUTES = 90;
  private static final int PARTITIONS = 3;

  @Test
  void lognormal() {
    Random r = new Random(1);
    check(() -> Math.exp(3 + 1.2 * r.nextGaussian()), r);
  }

  @Test
  void bimodal() {
    Random r = new Random(2);
    check(
        () ->
            r.nextDouble() < 0.7
                ? Math.max(0.1, 20 + 4 * r.nextGaussian())
                : Math.max(0.1, 800 + 150 * r.nextGaussian()),
        r);
  }

  @Test
  void pareto() {
    Random r = new Random(3);
    check(() -> 5 / Math.pow(1 - r.nextDouble(), 1 / 1.2), r);
  }

  private static void check(DoubleSupplier durations, Random random) {
    // The truth: every duration by minute.
    Map<Integer, List<Double>> exact = new HashMap<>();
    // What the processor stores: one row per (minute, partition).
    Map<Integer, List<byte[]>> rows = new HashMap<>();
    Map<Integer, DurationStats[]> perPartition = new HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      int minute = random.nextInt(MINUTES);
      double d = Math.min(durations.getAsDouble(), 86_400_000);
      exact.computeIfAbsent(minute, m -> new ArrayList<>()).add(d);
      DurationStats[] parts =
          perPartition.computeIfAbsent(
              minute,
              m ->
                  new DurationStats[] {
                    new DurationStats(), new DurationStats(), new DurationStats()
                  });
      parts[random.nextInt(PARTITIONS)].add(d, false);
    }
    perPartition.forEach(
        (minute, parts) -> {
          for (DurationStats s : parts) {
            if (s.count() > 0) {
              rows.computeIfAbsent(minute, m -> new ArrayList<>()).add(store(s));
            }
          }
        });

    List<Double> all = new ArrayList<>();
    DurationStats window = new DurationStats();
    for (int hour = 0; hour * 60 < MINUTES; hour++) {
      List<Double> hourValues = new ArrayList<>();
      DurationStats hourStats = new DurationStats();
      for (int minute = hour * 60; minute < Math.min(MINUTES, hour * 60 + 60); minute++) {
        List<Double> values = exact.getOrDefault(minute, List.of());
        DurationStats minuteStats = merge(rows.getOrDefault(minute, List.of()));
        assertAccurate("minute " + minute, values, minuteStats);
        hourValues.addAll(values);
        hourStats.merge(minuteStats);
      }
      assertAccurate("hour " + hour, hourValues, hourStats);
      all.addAll(hourValues);
      window.merge(hourStats);
    }
    assertAccurate("window", all, window);
    assertThat(window.sketch().count()).isEqualTo(100_000);
  }

  /** Stored and read back, as a row of txn_metrics_1m. */
  private static byte[] store(DurationStats s) {
    return s.sketch().toBytes();
  }

  private static DurationStats merge(List<byte[]> stored) {
    DurationStats merged = new DurationStats();
    for (byte[] sketch : stored) {
      DurationStats row =
          DurationStats.of(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, sketch);
      merged.sketch().merge(row.sketch());
    }
    return merged;
  }

  private static void assertAccurate(String where, List<Double> values, DurationStats stats) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    assertThat(stats.sketch().count()).as("%s count", where).isEqualTo(sorted.length);
    for (double q : QUANTILES) {
      double truth = sorted[(int) Math.max(1, Math.ceil(q * sorted.length)) - 1];
      double reported = stats.sketch().quantile(q);
      assertThat(reported)
          .as("%s p%s: exact %s", where, q * 100, truth)
          .isCloseTo(truth, within(truth * 0.01));
    }
  }

  @Test
  void exactFieldsStayExactThroughStorage() {
    DurationStats a = new DurationStats();
    DurationStats b = new DurationStats();
    double sum = 0;
    for (int i = 1; i <= 1000; i++) {
      (i % 2 == 0 ? a : b).add(i * 0.25, i % 10 == 0);
      sum += i * 0.25;
    }
    DurationStats stored =
        DurationStats.of(a.count(), a.sum(), a.min(), a.max(), a.failures(), a.sketch().toBytes());
    stored.merge(b);
    assertThat(stored.count()).isEqualTo(1000);
    assertThat(stored.sum()).isEqualTo(sum);
    assertThat(stored.min()).isEqualTo(0.25);
    assertThat(stored.max()).isEqualTo(250);
    assertThat(stored.failures()).isEqualTo(100);
    assertThat(stored.sketch().quantile(1.0)).isCloseTo(250, within(2.5));
    assertThat(new DurationStats().sketch().quantile(0.5)).isNaN();
  }
}
