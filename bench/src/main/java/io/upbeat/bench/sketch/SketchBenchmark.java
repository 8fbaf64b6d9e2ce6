package io.upbeat.bench.sketch;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sketch's three hot paths, for each candidate: inserting a minute's durations (the processor,
 * per transaction), encoding a minute's sketch (the processor, per row flushed), and decoding and
 * merging an hour of minute sketches into quantiles (the rollup job and every query). Durations are
 * lognormal (median 20 ms, long tail), as web response times are.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SketchBenchmark {
  /** Durations per minute sketch. */
  static final int PER_MINUTE = 1_000;

  @Param({"DDSKETCH", "HDR_HISTOGRAM"})
  public Sketches sketch;

  private double[] durations;
  private Object minute;
  private byte[][] hour;

  @Setup
  public void setUp() {
    Random random = new Random(7);
    durations = lognormal(random, PER_MINUTE);
    minute = fill(sketch, durations);
    hour = new byte[60][];
    for (int m = 0; m < hour.length; m++) {
      hour[m] = sketch.encode(fill(sketch, lognormal(random, PER_MINUTE)));
    }
  }

  static double[] lognormal(Random random, int n) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = Math.exp(3 + 1.2 * random.nextGaussian());
    }
    return values;
  }

  static Object fill(Sketches kind, double[] values) {
    Object s = kind.empty();
    for (double v : values) {
      kind.add(s, v);
    }
    return s;
  }

  /** A fresh sketch and 1,000 inserts: divide by 1,000 for the cost of one transaction. */
  @Benchmark
  public Object insertMinute() {
    return fill(sketch, durations);
  }

  /** One minute's sketch (1,000 durations) to bytes, as each flushed row is written. */
  @Benchmark
  public byte[] encodeMinute() {
    return sketch.encode(minute);
  }

  /** Sixty stored minute sketches decoded, merged, and p99 read: one hour's query or rollup. */
  @Benchmark
  public double mergeHour() {
    Object merged = sketch.decode(hour[0]);
    for (int m = 1; m < hour.length; m++) {
      sketch.merge(merged, sketch.decode(hour[m]));
    }
    return sketch.quantile(merged, 0.99);
  }
}
