package io.upbeat.spring.archfixture;

/** Breaks "the starter depends on nothing but the agent and Spring". */
public final class StarterFixture {
  private StarterFixture() {}

  public static int value() {
    return io.upbeat.events.archfixture.EventsFixture.value();
  }
}
