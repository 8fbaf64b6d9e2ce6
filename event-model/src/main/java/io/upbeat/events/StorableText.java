package io.upbeat.events;

/**
 * The one rule for text that crosses Upbeat's boundaries (intake's receivers, the API, the release
 * command), so that every string a tenant sends can be written to Kafka, PostgreSQL, e-mail,
 * webhooks and HTML:
 *
 * <ul>
 *   <li>Bytes must be well-formed UTF-8 (RFC 3629): invalid bytes, truncated sequences, overlong
 *       forms ({@code C0 AF}), UTF-8-encoded surrogates ({@code ED A0 80}) and code points above
 *       U+10FFFF are refused; see {@link #firstMalformedByte}.
 *   <li>Strings that are valid JSON but not storable text, a NUL ({@code \u0000}, which PostgreSQL
 *       refuses in text) or an unpaired surrogate escape ({@code \uD800}, which is no character),
 *       have those characters replaced by U+FFFD; see {@link #storable}.
 * </ul>
 */
public final class StorableText {
  /** What replaces a character that cannot be stored. */
  public static final char REPLACEMENT = '\uFFFD';

  private StorableText() {}

  /** Whether {@code bytes[from, to)} is well-formed UTF-8. */
  public static boolean isWellFormed(byte[] bytes, int from, int to) {
    return firstMalformedByte(bytes, from, to) < 0;
  }

  /**
   * The index of the first byte of {@code bytes[from, to)} that starts an ill-formed UTF-8
   * sequence, or -1 if the range is well-formed. The check is linear and runs through ASCII eight
   * bytes at a time.
   */
  public static int firstMalformedByte(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      // Fast path: eight ASCII bytes at once.
      if (i + 8 <= to && (asLong(bytes, i) & 0x8080808080808080L) == 0) {
        i += 8;
        continue;
      }
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      int lead = b & 0xFF;
      int length;
      int min2; // the smallest allowed second byte (rules out overlong forms)
      int max2; // the largest allowed second byte (rules out surrogates and > U+10FFFF)
      if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        min2 = 0x80;
        max2 = 0xBF;
      } else if (lead == 0xE0) {
        length = 3;
        min2 = 0xA0;
        max2 = 0xBF;
      } else if (lead == 0xED) {
        length = 3;
        min2 = 0x80;
        max2 = 0x9F; // ED A0..BF would encode U+D800..U+DFFF
      } else if (lead >= 0xE1 && lead <= 0xEF) {
        length = 3;
        min2 = 0x80;
        max2 = 0xBF;
      } else if (lead == 0xF0) {
        length = 4;
        min2 = 0x90;
        max2 = 0xBF;
      } else if (lead >= 0xF1 && lead <= 0xF3) {
        length = 4;
        min2 = 0x80;
        max2 = 0xBF;
      } else if (lead == 0xF4) {
        length = 4;
        min2 = 0x80;
        max2 = 0x8F;
      } else {
        return i; // C0, C1, F5..FF, or a continuation byte where a character should start
      }
      if (i + length > to) {
        return i;
      }
      int second = bytes[i + 1] & 0xFF;
      if (second < min2 || second > max2) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        if ((bytes[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += length;
    }
    return -1;
  }

  private static long asLong(byte[] b, int i) {
    return (b[i] & 0xFFL)
        | (b[i + 1] & 0xFFL) << 8
        | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24
        | (b[i + 4] & 0xFFL) << 32
        | (b[i + 5] & 0xFFL) << 40
        | (b[i + 6] & 0xFFL) << 48
        | (b[i + 7] & 0xFFL) << 56;
  }

  /**
   * {@code s} with every NUL and every unpaired surrogate replaced by U+FFFD; {@code s} itself (no
   * copy) when it has neither, and null for null.
   */
  public static String storable(String s) {
    if (s == null) {
      return null;
    }
    int first = firstUnstorable(s);
    if (first < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    out.append(s, 0, first);
    int n = s.length();
    for (int i = first; i < n; i++) {
      char c = s.charAt(i);
      if (c == 0) {
        out.append(REPLACEMENT);
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          out.append(c).append(s.charAt(++i));
        } else {
          out.append(REPLACEMENT);
        }
      } else if (Character.isLowSurrogate(c)) {
        out.append(REPLACEMENT);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * JSON text (as a JSON generator writes it) with every string made {@link #storable}: the escapes
   * {@code \u0000} and unpaired surrogate escapes ({@code \uD800} without its low half) become
   * {@code \uFFFD}, and raw NULs and unpaired surrogates become U+FFFD, so the document can be
   * stored as PostgreSQL {@code jsonb}. Each replacement keeps the text's length. Returns {@code
   * json} itself when there is nothing to replace, and null for null. Linear; the text is not
   * otherwise checked to be JSON.
   */
  public static String storableJson(String json) {
    if (json == null) {
      return null;
    }
    json = storable(json);
    int n = json.length();
    StringBuilder out = null;
    int copied = 0;
    for (int i = json.indexOf('\\'); i >= 0 && i < n; ) {
      if (i + 1 >= n) {
        break;
      }
      if (json.charAt(i + 1) != 'u' || i + 6 > n) {
        i = json.indexOf('\\', i + 2);
        continue;
      }
      int c = hex4(json, i + 2);
      boolean bad;
      int next = i + 6;
      if (c == 0) {
        bad = true;
      } else if (c >= 0xD800 && c <= 0xDBFF) {
        int low =
            next + 6 <= n && json.charAt(next) == '\\' && json.charAt(next + 1) == 'u'
                ? hex4(json, next + 2)
                : -1;
        bad = !(low >= 0xDC00 && low <= 0xDFFF);
        if (!bad) {
          next += 6; // a proper pair: keep both halves
        }
      } else {
        bad = c >= 0xDC00 && c <= 0xDFFF;
      }
      if (bad) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(json, copied, i).append("\\uFFFD");
        copied = i + 6;
      }
      i = json.indexOf('\\', next);
    }
    if (out == null) {
      return json;
    }
    return out.append(json, copied, n).toString();
  }

  /** The value of four hex digits at {@code at}, or -1. */
  private static int hex4(String s, int at) {
    int v = 0;
    for (int k = at; k < at + 4; k++) {
      int d = Character.digit(s.charAt(k), 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  private static int firstUnstorable(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return i;
      }
      if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
    }
    return -1;
  }
}
