package io.upbeat.spring;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Wraps a {@link DataSource} so that every statement executed within a transaction becomes a span
 * named by its {@link SqlSummary} (never its values), of type {@code db.<database>.query}. Outside
 * a transaction, and when the agent is off, calls go straight through.
 *
 * <p>The data source itself is a proxy implementing every interface of the pool's class, so the
 * application (and Spring, closing the pool at shutdown) still sees {@code Closeable} and the
 * pool's management interfaces. The connections it hands out are {@link TracedConnection}s.
 */
final class JdbcSpans {
  private JdbcSpans() {}

  static DataSource wrap(DataSource target) {
    // The database's name, asked once: connection metadata is not free on every checkout.
    String[] spanType = {null};
    return (DataSource)
        Proxy.newProxyInstance(
            target.getClass().getClassLoader(),
            interfaces(target.getClass()),
            (proxy, method, args) -> {
              boolean getConnection = method.getName().equals("getConnection");
              if (getConnection && args == null) {
                // Once per request: called directly rather than through reflection.
                return traced(target.getConnection(), spanType);
              }
              Object result;
              try {
                result = method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              return getConnection && result instanceof Connection c ? traced(c, spanType) : result;
            });
  }

  private static TracedConnection traced(Connection c, String[] spanType) {
    if (spanType[0] == null) {
      spanType[0] = "db." + database(c) + ".query";
    }
    return new TracedConnection(c, spanType[0]);
  }

  private static String database(Connection c) {
    try {
      return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).replace(' ', '_');
    } catch (Exception e) {
      return "sql";
    }
  }

  /** Every interface of a class and its superclasses. */
  private static Class<?>[] interfaces(Class<?> type) {
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      interfaces.addAll(List.of(c.getInterfaces()));
    }
    return interfaces.toArray(Class<?>[]::new);
  }
}
