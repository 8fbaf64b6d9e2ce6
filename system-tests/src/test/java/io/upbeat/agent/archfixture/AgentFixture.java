package io.upbeat.agent.archfixture;

/** Breaks "the agent depends on nothing but the JDK": it uses a library. */
public final class AgentFixture {
  private AgentFixture() {}

  public static int value() {
    return org.springframework.archfixture.SpringFixture.value();
  }
}
