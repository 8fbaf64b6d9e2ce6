package io.upbeat.assignment;

/**
 * The one rule for what Upbeat takes as an e-mail address (sign-up, invitations, release authors,
 * ownership owners): something, an {@code @}, a domain with a dot inside it; no second {@code @},
 * no space and no control character. Deliverability is not Upbeat's to judge.
 *
 * <p>Checked by one scan, in time linear in the length, never by a regular expression: the address
 * is tenant input and may be of any length until a size limit refuses it. It accepts exactly what
 * the pattern {@code [^@\s]+@[^@\s]+\.[^@\s]+} accepted for text without control characters.
 */
public final class EmailAddresses {
  /** The longest address accepted: 320 characters (RFC 5321: 64 + 1 + 255). */
  public static final int MAX_LENGTH = 320;

  private EmailAddresses() {}

  /** Well formed ({@link #wellFormed}) and at most {@link #MAX_LENGTH} characters. */
  public static boolean isValid(String s) {
    return s != null && s.length() <= MAX_LENGTH && wellFormed(s);
  }

  /**
   * Whether {@code s} is {@code local@domain}: a non-empty local part, exactly one {@code @}, and a
   * domain with a dot that is neither its first nor its last character; no space or control
   * character anywhere. Any length (the caller limits it); false for null.
   */
  public static boolean wellFormed(CharSequence s) {
    if (s == null) {
      return false;
    }
    int n = s.length();
    int at = -1;
    boolean innerDot = false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ' ' || Character.isISOControl(c)) {
        return false;
      }
      if (c == '@') {
        if (at >= 0 || i == 0) {
          return false;
        }
        at = i;
      } else if (c == '.' && at >= 0 && i > at + 1 && i < n - 1) {
        innerDot = true;
      }
    }
    return at >= 0 && innerDot;
  }
}
