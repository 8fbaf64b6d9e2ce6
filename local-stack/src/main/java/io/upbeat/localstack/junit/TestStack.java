package io.upbeat.localstack.junit;

import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where one test class's Kafka topics and PostgreSQL database live.
 *
 * @param topicPrefix prepended to every topic name the class uses, so classes never share a topic
 */
public record TestStack(
    String bootstrapServers, String jdbcUrl, String username, String password, String topicPrefix) {

  /** A data source for this class's database (no pool: tests open few connections). */
  public DataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl);
    ds.setUser(username);
    ds.setPassword(password);
    return ds;
  }

  /** {@code name} with this class's prefix. */
  public String topic(String name) {
    return topicPrefix + name;
  }
}
