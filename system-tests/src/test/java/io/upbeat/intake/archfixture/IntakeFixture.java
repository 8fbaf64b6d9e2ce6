package io.upbeat.intake.archfixture;

/** Breaks "services never depend on each other" and "only tools use the local stack". */
public final class IntakeFixture {
  private IntakeFixture() {}

  public static int one() {
    return 1;
  }

  public static int value() {
    return io.upbeat.processor.archfixture.ProcessorFixture.value()
        + io.upbeat.localstack.archfixture.StackFixture.value();
  }
}
