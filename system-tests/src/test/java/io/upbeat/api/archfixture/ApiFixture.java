package io.upbeat.api.archfixture;

/** Breaks "services never depend on each other" and "nothing depends on the benchmarks". */
public final class ApiFixture {
  private ApiFixture() {}

  public static int value() {
    return io.upbeat.intake.archfixture.IntakeFixture.one()
        + io.upbeat.bench.archfixture.BenchFixture.value();
  }
}
