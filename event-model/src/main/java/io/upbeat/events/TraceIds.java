package io.upbeat.events;

/**
 * The one rule for the ids that link a trace's parts (trace ids, transaction and span ids, parent
 * ids): 1 to 64 characters of {@code A-Z a-z 0-9 _ -}. W3C ids (32 and 16 lowercase hex digits)
 * pass, and so do the shorter ids older agents send ({@code "a1b2c3"}); nothing that needs escaping
 * in a URL, JSON or SQL does, so a trace id can go into a path and an index as it is.
 */
public final class TraceIds {
  /** The longest id accepted. */
  public static final int MAX_CHARS = 64;

  /** What a refused id is told, after its field path. */
  public static final String RULE =
      "must be 1 to " + MAX_CHARS + " characters of letters, digits, '_' and '-'";

  private TraceIds() {}

  /** Whether {@code id} is a valid id; false for null. */
  public static boolean isValid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_CHARS) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || (c >= 'A' && c <= 'Z')
              || c == '-'
              || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code id} when valid, else null: for receivers of third-party agents, which drop a link they
   * cannot use rather than refuse the event.
   */
  public static String orNull(String id) {
    return isValid(id) ? id : null;
  }
}
