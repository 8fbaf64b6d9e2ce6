package io.upbeat.api.web;

import io.upbeat.events.StorableText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes {@code application/x-www-form-urlencoded} text (a query string or a form body) strictly:
 * every {@code %XX} must be two hex digits, and what they spell must be well-formed UTF-8. Unlike
 * the servlet container, which replaces or drops what it cannot decode, it says which parameter was
 * bad.
 */
final class UrlEncoded {
  private UrlEncoded() {}

  /** A parameter that cannot be decoded; {@code field} is its name, or {@code query} if unknown. */
  static final class Malformed extends Exception {
    final String field;
    final String problem;

    Malformed(String field, String problem) {
      super(problem, null, false, false);
      this.field = field;
      this.problem = problem;
    }
  }

  /**
   * The parameters of a query string, in order, each name with its values.
   *
   * @param query the raw query string as the container hands it over (raw bytes as ISO-8859-1)
   */
  static Map<String, List<String>> decodeQuery(String query) throws Malformed {
    if (query == null || query.isEmpty()) {
      return new LinkedHashMap<>();
    }
    boolean bytesAsChars = query.chars().allMatch(c -> c < 0x100);
    byte[] bytes =
        query.getBytes(bytesAsChars ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    return decode(bytes, bytes.length, "query");
  }

  /**
   * The parameters of {@code bytes[0, length)} in order, each name with its values.
   *
   * @param wholeName what to call the text when a name cannot be decoded ({@code query}, {@code $})
   */
  static Map<String, List<String>> decode(byte[] bytes, int length, String wholeName)
      throws Malformed {
    Map<String, List<String>> params = new LinkedHashMap<>();
    int start = 0;
    while (start < length) {
      int end = indexOf(bytes, (byte) '&', start, length);
      if (end > start) {
        int eq = indexOf(bytes, (byte) '=', start, end);
        String name = component(bytes, start, eq, wholeName);
        String value = eq < end ? component(bytes, eq + 1, end, name) : "";
        params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
      }
      start = end + 1;
    }
    return params;
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return to;
  }

  private static String component(byte[] in, int from, int to, String field) throws Malformed {
    byte[] out = new byte[to - from];
    int len = 0;
    for (int i = from; i < to; i++) {
      byte c = in[i];
      if (c == '+') {
        out[len++] = ' ';
      } else if (c == '%') {
        int hi = i + 2 < to ? Character.digit(in[i + 1], 16) : -1;
        int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
        if (lo < 0) {
          throw new Malformed(field, "has a % not followed by two hex digits");
        }
        out[len++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        out[len++] = c;
      }
    }
    if (StorableText.firstMalformedByte(out, 0, len) >= 0) {
      throw new Malformed(field, "is not well-formed UTF-8");
    }
    return new String(out, 0, len, StandardCharsets.UTF_8);
  }
}
