package io.upbeat.spring;

import java.sql.SQLException;
import java.sql.Wrapper;

/**
 * What every traced JDBC object answers alike: {@link #unwrap} and {@link #isWrapperFor} reach the
 * pool's or driver's object underneath (cast through it, not through the traced class, to reach
 * vendor interfaces), and {@link #toString} names it.
 */
abstract class JdbcWrapper implements Wrapper {
  private final Wrapper wrapped;

  JdbcWrapper(Wrapper wrapped) {
    this.wrapped = wrapped;
  }

  @Override
  public final <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(wrapped) ? iface.cast(wrapped) : wrapped.unwrap(iface);
  }

  @Override
  public final boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(wrapped) || wrapped.isWrapperFor(iface);
  }

  @Override
  public final String toString() {
    return "traced " + wrapped;
  }
}
