package io.upbeat.localstack.junit;

import io.upbeat.localstack.LocalStack;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class real Kafka and PostgreSQL, isolated from every other test class: its own
 * database (with its own owner role) and its own topic prefix, on the stack that the JVM shares.
 *
 * <p>Register it in a static field, so that Spring's {@code @DynamicPropertySource} can read the
 * connection settings before the application context starts:
 *
 * <pre>{@code
 * @RegisterExtension static final LocalStackExtension stack = new LocalStackExtension();
 *
 * @DynamicPropertySource
 * static void stackProperties(DynamicPropertyRegistry registry) {
 *   stack.springProperties().forEach((k, v) -> registry.add(k, () -> v));
 * }
 * }</pre>
 *
 * The database and prefix are created on first use and are never reused by another class.
 */
public final class LocalStackExtension implements ParameterResolver {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private TestStack stack;

  /** This class's slice of the shared stack, created on first call. */
  public synchronized TestStack stack() {
    if (stack == null) {
      LocalStack shared = LocalStack.shared();
      int n = SEQUENCE.incrementAndGet();
      String database = "test_" + n;
      String user = "test_user_" + n;
      String password = "pw_" + n;
      shared.postgres().ensureDatabase(database, user, password);
      stack =
          new TestStack(
              shared.kafka().bootstrapServers(),
              shared.postgres().jdbcUrl(database),
              user,
              password,
              "t" + n + ".");
    }
    return stack;
  }

  /**
   * The standard Spring Boot properties (and Upbeat's topic prefix) that point a service at this
   * class's database and topics.
   */
  public Map<String, String> springProperties() {
    TestStack s = stack();
    Map<String, String> props = new LinkedHashMap<>();
    props.put("spring.kafka.bootstrap-servers", s.bootstrapServers());
    props.put("spring.datasource.url", s.jdbcUrl());
    props.put("spring.datasource.username", s.username());
    props.put("spring.datasource.password", s.password());
    // Spring caches test contexts for the whole run; small pools keep them within PostgreSQL's
    // connection limit.
    props.put("spring.datasource.hikari.maximum-pool-size", "4");
    props.put("spring.datasource.hikari.minimum-idle", "1");
    props.put("upbeat.kafka.topic-prefix", s.topicPrefix());
    return props;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestStack.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return stack();
  }
}
