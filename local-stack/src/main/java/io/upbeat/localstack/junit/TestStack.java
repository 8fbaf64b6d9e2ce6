package io.upbeat.localstack.junit;

/**
 * Where one test class's Kafka topics and PostgreSQL database live.
 *
 * @param topicPrefix prepended to every topic name the class uses, so classes never share a topic
 */
public record TestStack(
    String bootstrapServers, String jdbcUrl, String username, String password, String topicPrefix) {

  /** {@code name} with this class's prefix. */
  public String topic(String name) {
    return topicPrefix + name;
  }
}
