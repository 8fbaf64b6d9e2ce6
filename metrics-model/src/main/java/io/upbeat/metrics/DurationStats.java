package io.upbeat.metrics;

/**
 * The durations of one set of transactions (one key's minute, hour, day or any query window): exact
 * count, sum, min, max and failures, plus the sketch for quantiles. Mergeable: merging the stats of
 * two sets of transactions gives the stats of their union, whichever processor, partition or rollup
 * level they came from.
 */
public final class DurationStats {
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private long failures;
  private final LatencySketch sketch;

  public DurationStats() {
    this(LatencySketch.empty());
  }

  private DurationStats(LatencySketch sketch) {
    this.sketch = sketch;
  }

  /** Stats as stored. */
  public static DurationStats of(
      long count, double sum, double min, double max, long failures, byte[] sketch) {
    DurationStats s = new DurationStats(LatencySketch.fromBytes(sketch));
    s.count = count;
    s.sum = sum;
    s.min = min;
    s.max = max;
    s.failures = failures;
    return s;
  }

  public void add(double millis, boolean failure) {
    count++;
    sum += millis;
    min = Math.min(min, millis);
    max = Math.max(max, millis);
    if (failure) {
      failures++;
    }
    sketch.add(millis);
  }

  /** Merges stats as stored (the sketch in its encoded form), without decoding a copy first. */
  public void mergeStored(
      long count, double sum, double min, double max, long failures, byte[] sketch) {
    this.count += count;
    this.sum += sum;
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
    this.failures += failures;
    this.sketch.mergeEncoded(sketch);
  }

  public void merge(DurationStats other) {
    count += other.count;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    failures += other.failures;
    sketch.merge(other.sketch);
  }

  public long count() {
    return count;
  }

  public double sum() {
    return sum;
  }

  public double min() {
    return min;
  }

  public double max() {
    return max;
  }

  public long failures() {
    return failures;
  }

  public LatencySketch sketch() {
    return sketch;
  }
}
