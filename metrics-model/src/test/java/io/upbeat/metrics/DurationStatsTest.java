package io.upbeat.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DurationStatsTest {
  @Test
  void mergingStoredStatsEqualsMergingDecodedOnes() {
    Random random = new Random(5);
    DurationStats viaDecode = new DurationStats();
    DurationStats viaStored = new DurationStats();
    for (int row = 0; row < 50; row++) {
      DurationStats stored = new DurationStats();
      for (int i = 0; i < 1 + random.nextInt(200); i++) {
        stored.add(Math.exp(3 + random.nextGaussian()), random.nextInt(10) == 0);
      }
      byte[] bytes = stored.sketch().toBytes();
      viaDecode.merge(
          DurationStats.of(
              stored.count(), stored.sum(), stored.min(), stored.max(), stored.failures(), bytes));
      viaStored.mergeStored(
          stored.count(), stored.sum(), stored.min(), stored.max(), stored.failures(), bytes);
    }
    assertThat(viaStored.count()).isEqualTo(viaDecode.count());
    assertThat(viaStored.sum()).isEqualTo(viaDecode.sum());
    assertThat(viaStored.min()).isEqualTo(viaDecode.min());
    assertThat(viaStored.max()).isEqualTo(viaDecode.max());
    assertThat(viaStored.failures()).isEqualTo(viaDecode.failures());
    assertThat(viaStored.sketch().toBytes()).isEqualTo(viaDecode.sketch().toBytes());
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      assertThat(viaStored.sketch().quantile(q)).isEqualTo(viaDecode.sketch().quantile(q));
    }
  }

  @Test
  void severalQuantilesInOnePassEqualEachAlone() {
    Random random = new Random(9);
    LatencySketch sketch = LatencySketch.empty();
    for (int i = 0; i < 10_000; i++) {
      sketch.add(random.nextInt(50) == 0 ? 0 : Math.exp(3 + 1.5 * random.nextGaussian()));
    }
    double[] qs = {0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1};
    double[] together = sketch.quantiles(qs);
    for (int i = 0; i < qs.length; i++) {
      assertThat(together[i]).as("q=" + qs[i]).isEqualTo(sketch.quantile(qs[i]));
    }
    assertThat(LatencySketch.empty().quantiles(0.5, 0.9)).containsExactly(Double.NaN, Double.NaN);
    assertThatThrownBy(() -> sketch.quantiles(0.9, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesBytesThatAreNotASketch() {
    assertThatThrownBy(
            () -> new DurationStats().mergeStored(1, 1, 1, 1, 0, new byte[] {(byte) 0xff}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
