package io.upbeat.support.web;

import io.upbeat.events.StorableText;

/** Checks a request's raw (still %-encoded) path the way Upbeat's contract wants paths. */
final class RequestPaths {
  private RequestPaths() {}

  /**
   * Whether every %-escape of {@code rawPath} is two hex digits and what they spell is well-formed
   * UTF-8 without NUL, slash or backslash; false for null.
   */
  static boolean isWellFormed(String rawPath) {
    return rawPath != null && firstBadSegment(rawPath) < 0;
  }

  /**
   * The index of the first segment of {@code rawPath} (split on {@code /}) that is not well-formed
   * as {@link #isWellFormed} says, or -1.
   */
  static int firstBadSegment(String rawPath) {
    String[] segments = rawPath.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (!isWellFormedSegment(segments[i])) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isWellFormedSegment(String rawPath) {
    byte[] decoded = new byte[rawPath.length()];
    int len = 0;
    for (int i = 0; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c == '%') {
        int hi = i + 2 < rawPath.length() ? Character.digit(rawPath.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(rawPath.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          return false;
        }
        int b = hi << 4 | lo;
        if (b == 0 || b == '/' || b == '\\') {
          return false;
        }
        decoded[len++] = (byte) b;
        i += 2;
      } else if (c == 0 || c > 0xFF) {
        return false;
      } else {
        decoded[len++] = (byte) c;
      }
    }
    return StorableText.isWellFormed(decoded, 0, len);
  }
}
