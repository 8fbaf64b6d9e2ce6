package io.upbeat.intake.validate;

/**
 * The contract's rule for {@code service.name}: 1-100 of ASCII letters, digits, space, {@code _ .
 * -}. Checked by a plain loop (no regular expression), so any input costs one linear pass.
 */
public final class ServiceName {
  public static final int MAX_CHARS = 100;

  private ServiceName() {}

  public static boolean isValid(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_CHARS) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!allowed(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** {@code name} with every character the rule refuses replaced by {@code _}. */
  public static String replaceRefused(String name) {
    StringBuilder out = null;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!allowed(c)) {
        if (out == null) {
          out = new StringBuilder(name);
        }
        out.setCharAt(i, '_');
      }
    }
    return out == null ? name : out.toString();
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == ' '
        || c == '_'
        || c == '.'
        || c == '-';
  }
}
