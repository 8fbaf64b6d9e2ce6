package io.upbeat.api.accounts;

import java.util.Locale;
import java.util.regex.Pattern;

/** E-mail addresses as Upbeat compares and stores them. */
public final class Emails {
  /** Something, an @, a domain with a dot; no spaces. Deliverability is not Upbeat's to judge. */
  public static final String PATTERN = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+";

  private static final Pattern VALID = Pattern.compile(PATTERN);

  private Emails() {}

  /** Trimmed and lower-cased: addresses are unique regardless of case. */
  public static String normalize(String email) {
    return email.trim().toLowerCase(Locale.ROOT);
  }

  public static boolean isValid(String email) {
    return email != null && email.length() <= 320 && VALID.matcher(email.trim()).matches();
  }
}
