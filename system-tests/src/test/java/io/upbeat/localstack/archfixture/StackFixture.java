package io.upbeat.localstack.archfixture;

/** A class of the local stack's package, for the fixtures of ArchitectureTest. */
public final class StackFixture {
  private StackFixture() {}

  public static int value() {
    return 1;
  }
}
