package io.upbeat.processor.errors;

import io.upbeat.events.ExceptionInfo;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Exceptions that only wrap the one that matters: a servlet container's "Request processing
 * failed", reflection's and executors' wrappers, and whatever an operator adds ({@code
 * upbeat.processor.errors.wrapper-types}). A group is named and grouped by the first exception of
 * the chain that is not one of them, since that one carries the in-app cause: an unhandled {@code
 * NullPointerException} in a controller must not become a group called {@code ServletException}.
 * The whole chain is still stored with each occurrence.
 */
public final class Wrappers {
  /** Causes followed at most, as {@link ErrorGrouping} does. */
  static final int MAX_DEPTH = 10;

  /** Wrappers whatever their message. */
  static final Set<String> ALWAYS =
      Set.of(
          "java.lang.reflect.InvocationTargetException",
          "java.lang.reflect.UndeclaredThrowableException",
          "java.util.concurrent.ExecutionException",
          "java.util.concurrent.CompletionException");

  /**
   * Wrappers only with a message starting with {@link #REQUEST_FAILED}: Spring's {@code
   * FrameworkServlet} wraps what a handler threw that way ({@code "Request processing failed: ..."}
   * since Spring 6, {@code "Request processing failed; nested exception is ..."} before), while a
   * {@code ServletException} of its own (a filter refusing a request) is an error in its own right.
   */
  static final Set<String> SERVLET =
      Set.of("jakarta.servlet.ServletException", "javax.servlet.ServletException");

  static final String REQUEST_FAILED = "Request processing failed";

  private final Set<String> configured;

  /**
   * @param configured further exception types (fully qualified) that are wrappers whatever their
   *     message
   */
  public Wrappers(Collection<String> configured) {
    Set<String> types = new HashSet<>();
    for (String t : configured) {
      if (t != null && !t.isBlank()) {
        types.add(t.strip());
      }
    }
    this.configured = Set.copyOf(types);
  }

  /** The built-in wrappers only. */
  public static Wrappers defaults() {
    return new Wrappers(Set.of());
  }

  /** Whether {@code e} only wraps its cause. */
  boolean isWrapper(ExceptionInfo e) {
    String type = e.type();
    if (ALWAYS.contains(type) || configured.contains(type)) {
      return true;
    }
    return SERVLET.contains(type) && e.message() != null && e.message().startsWith(REQUEST_FAILED);
  }

  /**
   * The exception that names the group: the first of the chain that is not a wrapper, or the
   * innermost one followed if all are (a wrapper without a cause is the error itself).
   */
  ExceptionInfo unwrap(ExceptionInfo top) {
    ExceptionInfo e = top;
    for (int depth = 0; depth < MAX_DEPTH && e.cause() != null && isWrapper(e); depth++) {
      e = e.cause();
    }
    return e;
  }
}
