package io.upbeat.agent;

/** The agent's version, as it reports itself to intake. */
final class Version {
  static final String VALUE = "0.1.0";

  private Version() {}
}
