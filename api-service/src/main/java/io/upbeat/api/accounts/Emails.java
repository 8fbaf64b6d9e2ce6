package io.upbeat.api.accounts;

import io.upbeat.assignment.EmailAddresses;
import java.util.Locale;

/**
 * E-mail addresses as Upbeat compares and stores them. What is one is {@link EmailAddresses}' rule
 * (shared with ownership rules), checked in linear time; request bodies use {@link EmailAddress}.
 */
public final class Emails {
  private Emails() {}

  /** Trimmed and lower-cased: addresses are unique regardless of case. */
  public static String normalize(String email) {
    return email.trim().toLowerCase(Locale.ROOT);
  }

  /** At most 320 characters (before trimming) and, trimmed, an e-mail address. */
  public static boolean isValid(String email) {
    return email != null
        && email.length() <= EmailAddresses.MAX_LENGTH
        && EmailAddresses.wellFormed(email.trim());
  }
}
