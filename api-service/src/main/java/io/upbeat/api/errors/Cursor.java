package io.upbeat.api.errors;

import io.upbeat.api.params.Problems;
import io.upbeat.api.params.Times;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of groups ended: the last item's sort key and id. The next page holds the groups
 * strictly after it in (key, id) descending order, so rows added or changed meanwhile cause no
 * duplicates within a walk. Opaque to clients: base64url of {@code v1:<sort>:<key>:<id>}, where a
 * time key is in epoch microseconds (PostgreSQL's precision).
 */
record Cursor(Sort sort, long key, UUID id) {
  private static final String VERSION = "v1";

  static Cursor after(Sort sort, ErrorPayloads.ErrorGroup last) {
    long key =
        switch (sort) {
          case LAST_SEEN -> micros(last.lastSeen());
          case FIRST_SEEN -> micros(last.firstSeen());
          case COUNT -> last.count();
        };
    return new Cursor(sort, key, last.id());
  }

  String encode() {
    String plain = VERSION + ":" + sort.param() + ":" + key + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
  }

  /** The key as a bind value: a timestamp for time sorts, a long for counts. */
  Object keyValue() {
    return sort.isTime() ? Times.bind(Instant.EPOCH.plus(key, ChronoUnit.MICROS)) : key;
  }

  /** The cursor, or null with a problem naming {@code cursor} if it is not one of ours. */
  static Cursor decode(String text, Sort expected, Problems problems) {
    String[] parts = parts(text);
    if (parts == null) {
      problems.add("cursor", "is not a cursor from this list; start again without one");
      return null;
    }
    if (!parts[1].equals(expected.param())) {
      problems.add("cursor", "belongs to sort=" + parts[1] + ", not sort=" + expected.param());
      return null;
    }
    return new Cursor(expected, Long.parseLong(parts[2]), UUID.fromString(parts[3]));
  }

  /** The four validated parts, or null. */
  private static String[] parts(String text) {
    try {
      if (text.length() > 200) {
        return null;
      }
      String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
      String[] parts = plain.split(":", -1);
      if (parts.length != 4
          || !parts[0].equals(VERSION)
          || Sort.of(parts[1]).isEmpty()
          || !digits(parts[2], 19)) {
        return null;
      }
      long key = Long.parseLong(parts[2]);
      if (Sort.of(parts[1]).get().isTime() && key > micros(Times.LATEST)) {
        return null; // beyond what PostgreSQL stores
      }
      if (!UUID.fromString(parts[3]).toString().equals(parts[3])) {
        return null;
      }
      return parts;
    } catch (IllegalArgumentException e) { // bad base64, number out of range, bad UUID
      return null;
    }
  }

  /** 1 to {@code max} ASCII digits. */
  private static boolean digits(String s, int max) {
    if (s.isEmpty() || s.length() > max) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }
}
