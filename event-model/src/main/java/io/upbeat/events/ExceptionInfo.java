package io.upbeat.events;

import java.util.List;
import java.util.Objects;

/**
 * An exception with its stack, innermost frame first, and its cause (or null).
 *
 * @param type the exception class, e.g. {@code java.lang.NullPointerException}
 */
public record ExceptionInfo(
    String type, String message, List<StackFrame> stacktrace, ExceptionInfo cause) {
  public ExceptionInfo {
    Objects.requireNonNull(type, "type");
    stacktrace = stacktrace == null ? List.of() : List.copyOf(stacktrace);
  }
}
