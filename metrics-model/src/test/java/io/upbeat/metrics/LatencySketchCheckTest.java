package io.upbeat.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import java.io.IOException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Sketches from agents are checked before they are merged into stored rows. */
class LatencySketchCheckTest {
  @Test
  void aSketchThisClassWroteIsAcceptedWithItsCount() {
    LatencySketch sketch = LatencySketch.empty();
    sketch.add(0);
    sketch.add(0.0004);
    for (int i = 1; i <= 1000; i++) {
      sketch.add(i * 3.7);
    }
    sketch.add(86_400_000);
    assertThat(LatencySketch.checkedCount(sketch.toBytes())).isEqualTo(1003);
    assertThat(LatencySketch.checkedCount(LatencySketch.empty().toBytes())).isZero();
  }

  @Test
  void garbageIsRefused() {
    assertThatThrownBy(() -> LatencySketch.checkedCount(new byte[] {1, 2, 3, 4, 5, 6, 7}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencySketch.checkedCount(new byte[] {(byte) 0xff}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsOutsideTheContractsRangeAreRefusedWithoutAllocatingTheirRange() {
    assertThatThrownBy(() -> LatencySketch.checkedCount(encoded(s -> s.accept(1e300))))
        .hasMessageContaining("86,400,000");
    assertThatThrownBy(() -> LatencySketch.checkedCount(encoded(s -> s.accept(1e300)).clone()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencySketch.checkedCount(encoded(s -> s.accept(-5))))
        .hasMessageContaining("negative");
  }

  @Test
  void fractionalCountsAreRefused() {
    assertThatThrownBy(() -> LatencySketch.checkedCount(encoded(s -> s.accept(12, 0.5))))
        .hasMessageContaining("whole");
  }

  @Test
  void anotherMappingIsRefused() throws IOException {
    DDSketch other = new DDSketch(new LogarithmicMapping(0.02), SparseStore::new);
    other.accept(10);
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    other.encode(out, false);
    assertThatThrownBy(() -> LatencySketch.checkedCount(out.trimmedCopy()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] encoded(Consumer<DDSketch> fill) {
    DDSketch sketch =
        new DDSketch(new LogarithmicMapping(LatencySketch.RELATIVE_ACCURACY), SparseStore::new);
    fill.accept(sketch);
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(out, true);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.trimmedCopy();
  }
}
