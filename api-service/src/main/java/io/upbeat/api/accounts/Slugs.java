package io.upbeat.api.accounts;

import java.text.Normalizer;
import java.util.Locale;

/** URL-friendly names for orgs: {@code "Acme Shop GmbH"} becomes {@code acme-shop-gmbh}. */
final class Slugs {
  static final int MAX_LENGTH = 50;

  private Slugs() {}

  /** The slug of {@code name}; {@code org} when nothing of it is usable. */
  static String of(String name) {
    String ascii =
        Normalizer.normalize(name, Normalizer.Form.NFKD)
            .replaceAll("\\p{M}", "")
            .toLowerCase(Locale.ROOT);
    String slug = ascii.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.length() > MAX_LENGTH) {
      slug = slug.substring(0, MAX_LENGTH).replaceAll("-+$", "");
    }
    return slug.isEmpty() ? "org" : slug;
  }
}
