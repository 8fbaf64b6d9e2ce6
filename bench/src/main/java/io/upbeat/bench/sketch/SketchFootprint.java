package io.upbeat.bench.sketch;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Serialized size and worst observed quantile error of both candidates, for sketches of 1 to
 * 100,000 lognormal, bimodal and Pareto durations: the other half of the choice next to {@link
 * SketchBenchmark}'s timings. Prints a Markdown table.
 *
 * <p>Error is measured against the exact nearest-rank quantile (the contract's definition) for p50,
 * p90, p95, p99 and p99.9, on 20 seeds per size and distribution.
 */
public final class SketchFootprint {
  private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99, 0.999};
  private static final int[] SIZES = {1, 10, 100, 1_000, 10_000, 100_000};
  private static final int SEEDS = 20;

  private SketchFootprint() {}

  public static void main(String[] args) {
    System.out.println(
        "| Durations per sketch | DDSketch bytes | HdrHistogram bytes (compressed) |"
            + " HdrHistogram bytes (uncompressed) | DDSketch worst error | HdrHistogram worst error |");
    System.out.println("|---|---|---|---|---|---|");
    for (int n : SIZES) {
      long dd = 0;
      long hdr = 0;
      long hdrRaw = 0;
      double ddError = 0;
      double hdrError = 0;
      int sketches = 0;
      for (int seed = 0; seed < SEEDS; seed++) {
        for (int dist = 0; dist < 3; dist++) {
          double[] values = sample(new Random(seed * 31L + dist), dist, n);
          Object d = SketchBenchmark.fill(Sketches.DDSKETCH, values);
          Object h = SketchBenchmark.fill(Sketches.HDR_HISTOGRAM, values);
          dd += Sketches.DDSKETCH.encode(d).length;
          hdr += Sketches.HDR_HISTOGRAM.encode(h).length;
          hdrRaw += Sketches.hdrUncompressedSize(h);
          double[] sorted = values.clone();
          Arrays.sort(sorted);
          for (double q : QUANTILES) {
            double exact = sorted[(int) Math.max(0, Math.ceil(q * n) - 1)];
            ddError = Math.max(ddError, relative(Sketches.DDSKETCH.quantile(d, q), exact));
            hdrError = Math.max(hdrError, relative(Sketches.HDR_HISTOGRAM.quantile(h, q), exact));
          }
          sketches++;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "| %,d | %,d | %,d | %,d | %.2f %% | %.2f %% |%n",
          n,
          dd / sketches,
          hdr / sketches,
          hdrRaw / sketches,
          ddError * 100,
          hdrError * 100);
    }
  }

  private static double relative(double reported, double exact) {
    return Math.abs(reported - exact) / exact;
  }

  /** 0 lognormal, 1 bimodal, 2 Pareto: the accuracy test's three shapes. */
  private static double[] sample(Random r, int dist, int n) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] =
          switch (dist) {
            case 0 -> Math.exp(3 + 1.2 * r.nextGaussian());
            case 1 ->
                r.nextDouble() < 0.7
                    ? Math.max(0.1, 20 + 4 * r.nextGaussian())
                    : Math.max(0.1, 800 + 150 * r.nextGaussian());
            default -> Math.min(86_400_000, 5 / Math.pow(1 - r.nextDouble(), 1 / 1.2));
          };
    }
    return values;
  }
}
