package io.upbeat.bench.archfixture;

/** A class of the benchmarks' package, for the fixtures of ArchitectureTest. */
public final class BenchFixture {
  private BenchFixture() {}

  public static int value() {
    return 1;
  }
}
