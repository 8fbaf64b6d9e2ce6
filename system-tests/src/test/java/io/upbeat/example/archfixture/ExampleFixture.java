package io.upbeat.example.archfixture;

/** Breaks "the example app uses Upbeat only through the agent". */
public final class ExampleFixture {
  private ExampleFixture() {}

  public static int value() {
    return io.upbeat.events.archfixture.EventsFixture.value();
  }
}
