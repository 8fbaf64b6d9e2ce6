package io.upbeat.events.archfixture;

/** Breaks "core modules stay plain Java" and "shared modules never depend on services". */
public final class EventsFixture {
  private EventsFixture() {}

  public static int value() {
    return org.springframework.archfixture.SpringFixture.value()
        + io.upbeat.intake.archfixture.IntakeFixture.one();
  }
}
