package io.upbeat.intake.validate;

import java.io.IOException;

/**
 * Thrown by the request body stream as soon as more bytes than allowed have been read (counted
 * after decompression), so an oversized or gzip-bomb body is refused without being read whole.
 */
public final class BodyTooLargeException extends IOException {
  public BodyTooLargeException(long limit) {
    super("body larger than " + limit + " bytes", null);
  }

  /** Whether {@code e} or one of its causes is this exception (Jackson wraps I/O errors). */
  public static boolean isCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BodyTooLargeException) {
        return true;
      }
    }
    return false;
  }
}
