package io.upbeat.metrics;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * A mergeable sketch of durations (milliseconds, >= 0): DDSketch with one fixed logarithmic
 * mapping, so sketches from any minute, partition or processor merge exactly. Quantiles follow the
 * contract's nearest-rank definition (the value at rank ceil(q x n)) and lie within 1% of it: the
 * mapping's relative accuracy is 0.5%, half the allowance, so the guarantee holds with margin.
 * Count, sum, min and max are not taken from here: they are kept exactly beside the sketch.
 */
public final class LatencySketch {
  static final double RELATIVE_ACCURACY = 0.005;
  private static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

  private final DDSketch sketch;

  private LatencySketch(DDSketch sketch) {
    this.sketch = sketch;
  }

  public static LatencySketch empty() {
    return new LatencySketch(new DDSketch(MAPPING, UnboundedSizeDenseStore::new));
  }

  /** A sketch read back from {@link #toBytes()}. */
  public static LatencySketch fromBytes(byte[] bytes) {
    try {
      return new LatencySketch(
          DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new, MAPPING));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a latency sketch", e);
    }
  }

  public void add(double millis) {
    sketch.accept(Math.max(0, millis));
  }

  /**
   * Merges a sketch in its {@link #toBytes()} form without materializing it: the query path's way,
   * one pass over the encoded bins.
   */
  public void mergeEncoded(byte[] bytes) {
    try {
      sketch.decodeAndMergeWith(ByteArrayInput.wrap(bytes));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a latency sketch", e);
    }
  }

  public void merge(LatencySketch other) {
    sketch.mergeWith(other.sketch);
  }

  public long count() {
    return Math.round(sketch.getCount());
  }

  /** DDSketch's binary encoding without the mapping, which is fixed for every sketch. */
  public byte[] toBytes() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(out, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen in memory", e);
    }
    return out.trimmedCopy();
  }

  /**
   * The q-quantile by nearest rank: the bucket holding the ceil(q x n)-th smallest duration,
   * represented within the mapping's relative accuracy; NaN when empty.
   */
  public double quantile(double q) {
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("quantile must be within [0, 1]: " + q);
    }
    double n = sketch.getCount();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n)); // 1-based
    double zeros = n - sketch.getPositiveValueStore().getTotalCount();
    if (rank <= Math.round(zeros)) {
      return 0;
    }
    double seen = zeros;
    Iterator<Bin> bins = sketch.getPositiveValueStore().getAscendingIterator();
    Bin bin = null;
    while (bins.hasNext()) {
      bin = bins.next();
      seen += bin.getCount();
      if (seen + 1e-9 >= rank) {
        return MAPPING.value(bin.getIndex());
      }
    }
    return bin == null ? 0 : MAPPING.value(bin.getIndex());
  }
}
