package io.upbeat.spring;

import io.upbeat.agent.Span;
import io.upbeat.agent.Transaction;
import io.upbeat.agent.Upbeat;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Wraps a {@link DataSource} so that every statement executed within a transaction becomes a span
 * named by its {@link SqlSummary} (never its values), of type {@code db.<database>.query}. Outside
 * a transaction, and when the agent is off, calls go straight through.
 */
final class JdbcSpans {
  private JdbcSpans() {}

  static DataSource wrap(DataSource target) {
    // The database's name, asked once: connection metadata is not free on every checkout.
    String[] db = {null};
    return (DataSource)
        proxy(
            target,
            (proxy, method, args) -> {
              Object result = invoke(target, method, args);
              if (result instanceof Connection c && method.getName().equals("getConnection")) {
                if (db[0] == null) {
                  db[0] = database(c);
                }
                return connection(c, db[0]);
              }
              return result;
            });
  }

  private static Connection connection(Connection target, String db) {
    String spanType = "db." + db + ".query";
    return (Connection)
        proxy(
            target,
            (proxy, method, args) -> {
              Object result = invoke(target, method, args);
              if (result instanceof Statement s) {
                String sql =
                    args != null && args.length > 0 && args[0] instanceof String text ? text : null;
                return statement(s, spanType, sql);
              }
              return result;
            });
  }

  private static Statement statement(Statement target, String spanType, String preparedSql) {
    return (Statement)
        proxy(
            target,
            (proxy, method, args) -> {
              String name = method.getName();
              if (!name.startsWith("execute")) {
                return invoke(target, method, args);
              }
              Transaction t = Upbeat.currentTransaction();
              if (t.isNoop()) {
                return invoke(target, method, args);
              }
              String sql =
                  args != null && args.length > 0 && args[0] instanceof String text
                      ? text
                      : preparedSql;
              try (Span span =
                  t.startSpan(
                      name.equals("executeBatch")
                          ? SqlSummary.cached(sql) + " (batch)"
                          : SqlSummary.cached(sql),
                      spanType)) {
                return invoke(target, method, args);
              }
            });
  }

  private static String database(Connection c) {
    try {
      return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).replace(' ', '_');
    } catch (Exception e) {
      return "sql";
    }
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Every interface of a class and its superclasses, computed once per class. */
  private static final ClassValue<Class<?>[]> INTERFACES =
      new ClassValue<>() {
        @Override
        protected Class<?>[] computeValue(Class<?> type) {
          Set<Class<?>> interfaces = new LinkedHashSet<>();
          for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            interfaces.addAll(java.util.List.of(c.getInterfaces()));
          }
          if (PreparedStatement.class.isAssignableFrom(type)) {
            interfaces.add(PreparedStatement.class);
          }
          return interfaces.toArray(Class<?>[]::new);
        }
      };

  /**
   * The proxy class's constructor for each target class, found once: a connection and a statement
   * are wrapped on every request, and looking the proxy class up each time costs more than the rest
   * of the wrapping.
   */
  private static final ClassValue<Constructor<?>> PROXIES =
      new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> type) {
          Object sample =
              Proxy.newProxyInstance(
                  type.getClassLoader(), INTERFACES.get(type), (p, m, a) -> null);
          try {
            return sample.getClass().getConstructor(InvocationHandler.class);
          } catch (NoSuchMethodException e) {
            throw new IllegalStateException("a proxy class has this constructor", e);
          }
        }
      };

  /** A proxy implementing every interface of the target's class, delegating by default. */
  private static Object proxy(Object target, InvocationHandler handler) {
    try {
      return PROXIES.get(target.getClass()).newInstance(handler);
    } catch (ReflectiveOperationException e) {
      return Proxy.newProxyInstance(
          target.getClass().getClassLoader(), INTERFACES.get(target.getClass()), handler);
    }
  }
}
