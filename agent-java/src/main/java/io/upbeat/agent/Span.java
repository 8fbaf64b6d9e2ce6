package io.upbeat.agent;

/** A timed part of a transaction; end it once (or use try-with-resources). */
public interface Span extends AutoCloseable {
  void end();

  @Override
  default void close() {
    end();
  }
}
