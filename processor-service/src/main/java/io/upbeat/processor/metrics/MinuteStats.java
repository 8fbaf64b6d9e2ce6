package io.upbeat.processor.metrics;

/**
 * One key's durations in one minute: exact count, sum, min, max and failures, plus the sketch for
 * quantiles. Mergeable: merging the stats of two sets of transactions gives the stats of their
 * union, whichever processor or partition saw them.
 */
public final class MinuteStats {
  private long count;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private long failures;
  private final LatencySketch sketch;

  public MinuteStats() {
    this(LatencySketch.empty());
  }

  private MinuteStats(LatencySketch sketch) {
    this.sketch = sketch;
  }

  /** Stats as stored. */
  public static MinuteStats of(
      long count, double sum, double min, double max, long failures, byte[] sketch) {
    MinuteStats s = new MinuteStats(LatencySketch.fromBytes(sketch));
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

  public void merge(MinuteStats other) {
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
