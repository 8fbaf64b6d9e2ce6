package org.springframework.archfixture;

/** Stands for any Spring class in the fixtures of ArchitectureTest (no Spring on this path). */
public final class SpringFixture {
  private SpringFixture() {}

  public static int value() {
    return 1;
  }
}
