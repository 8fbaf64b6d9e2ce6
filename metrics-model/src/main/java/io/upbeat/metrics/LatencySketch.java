package io.upbeat.metrics;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
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

  /**
   * The number of durations in a sketch that came from outside (an agent's aggregate), after
   * checking it is one this class could have written: decodable, no negative durations, every bin
   * count a positive whole number, every bin within the range that durations of 0 to 24 hours map
   * to. Decoded into a sparse store first, so hostile indexes cannot make a dense store allocate.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static long checkedCount(byte[] bytes) {
    DDSketch decoded;
    try {
      decoded = DDSketch.decode(ByteArrayInput.wrap(bytes), SparseStore::new, MAPPING);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("is not a DDSketch in Upbeat's encoding");
    }
    if (!decoded.getIndexMapping().equals(MAPPING)) {
      throw new IllegalArgumentException("must use the logarithmic mapping with accuracy 0.005");
    }
    if (!decoded.getNegativeValueStore().isEmpty()) {
      throw new IllegalArgumentException("must not hold negative durations");
    }
    Store positive = decoded.getPositiveValueStore();
    if (!positive.isEmpty()
        && (positive.getMinIndex() < MIN_INDEX || positive.getMaxIndex() > MAX_INDEX)) {
      throw new IllegalArgumentException("must hold durations of 0 to 86,400,000 ms only");
    }
    double[] bad = {0};
    positive.forEach(
        (index, count) -> {
          if (!wholePositive(count)) {
            bad[0]++;
          }
        });
    double total = decoded.getCount();
    double zeros = total - positive.getTotalCount();
    if (bad[0] > 0
        || !(total == 0 || wholePositive(total))
        || !(zeros >= 0)
        || zeros != Math.rint(zeros)) {
      throw new IllegalArgumentException("must count whole numbers of durations");
    }
    return (long) total;
  }

  private static boolean wholePositive(double count) {
    return count > 0 && count < 1e15 && count == Math.rint(count);
  }

  /** The bins of 1 ns (durations below count as zero) and of 24 hours, with room to spare. */
  private static final int MIN_INDEX = MAPPING.index(1e-7);

  private static final int MAX_INDEX = MAPPING.index(86_400_000 * 1.02);

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
    return quantiles(q)[0];
  }

  /**
   * Several quantiles by nearest rank in one pass over the bins (a chart asks for four per point);
   * {@code qs} in ascending order. NaN for each when the sketch is empty.
   */
  public double[] quantiles(double... qs) {
    double[] out = new double[qs.length];
    for (int i = 0; i < qs.length; i++) {
      if (qs[i] < 0 || qs[i] > 1 || (i > 0 && qs[i] < qs[i - 1])) {
        throw new IllegalArgumentException("quantiles must be ascending within [0, 1]");
      }
    }
    double n = sketch.getCount();
    if (n == 0) {
      java.util.Arrays.fill(out, Double.NaN);
      return out;
    }
    double zeros = n - sketch.getPositiveValueStore().getTotalCount();
    int i = 0;
    for (; i < qs.length && rank(qs[i], n) <= Math.round(zeros); i++) {
      out[i] = 0;
    }
    double seen = zeros;
    Iterator<Bin> bins = sketch.getPositiveValueStore().getAscendingIterator();
    Bin bin = null;
    while (i < qs.length && bins.hasNext()) {
      bin = bins.next();
      seen += bin.getCount();
      while (i < qs.length && seen + 1e-9 >= rank(qs[i], n)) {
        out[i++] = MAPPING.value(bin.getIndex());
      }
    }
    for (; i < qs.length; i++) {
      out[i] = bin == null ? 0 : MAPPING.value(bin.getIndex());
    }
    return out;
  }

  /** The 1-based nearest rank of quantile q among n values. */
  private static long rank(double q, double n) {
    return Math.max(1, (long) Math.ceil(q * n));
  }
}
