package io.upbeat.intake.validate;

import java.io.IOException;

/**
 * Thrown by a {@link Utf8CheckingInputStream} at the first byte that is not well-formed UTF-8, so a
 * body is refused ({@code invalid_json}) while it is read, whichever parser reads it.
 */
public final class MalformedTextException extends IOException {
  private final long offset;

  public MalformedTextException(long offset) {
    super("the body is not well-formed UTF-8 at byte " + offset, null);
    this.offset = offset;
  }

  /** The offset, in the decoded body, of the first byte of the ill-formed sequence. */
  public long offset() {
    return offset;
  }

  /**
   * This exception, if it is {@code e} or one of its causes (Jackson wraps I/O errors); or null.
   */
  public static MalformedTextException in(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MalformedTextException m) {
        return m;
      }
    }
    return null;
  }

  /** The answer's message, the same at every receiver. */
  public String answer() {
    return "The request body is not well-formed UTF-8 (at byte " + offset + ").";
  }
}
