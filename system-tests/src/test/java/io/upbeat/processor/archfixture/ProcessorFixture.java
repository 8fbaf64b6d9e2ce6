package io.upbeat.processor.archfixture;

/** Breaks "services never depend on each other" for the processor: see ArchitectureTest. */
public final class ProcessorFixture {
  private ProcessorFixture() {}

  public static int value() {
    return io.upbeat.api.archfixture.ApiFixture.value();
  }
}
