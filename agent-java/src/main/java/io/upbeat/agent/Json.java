package io.upbeat.agent;

/**
 * A minimal JSON writer for the agent's own payloads: the agent may not bring a JSON library into
 * the application, and it only ever writes objects, arrays, strings, numbers and booleans.
 */
final class Json {
  private final StringBuilder out;
  private boolean needComma;

  Json(int capacity) {
    out = new StringBuilder(capacity);
  }

  Json beginObject() {
    comma();
    out.append('{');
    needComma = false;
    return this;
  }

  Json endObject() {
    out.append('}');
    needComma = true;
    return this;
  }

  Json beginArray() {
    comma();
    out.append('[');
    needComma = false;
    return this;
  }

  Json endArray() {
    out.append(']');
    needComma = true;
    return this;
  }

  /** A field name; the value follows. */
  Json name(String name) {
    comma();
    string(name);
    out.append(':');
    needComma = false;
    return this;
  }

  Json value(String s) {
    comma();
    if (s == null) {
      out.append("null");
    } else {
      string(s);
    }
    needComma = true;
    return this;
  }

  /** A number, to three decimals at most (durations in milliseconds: microsecond precision). */
  Json value(double d) {
    comma();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append("null");
    } else if (Math.abs(d) >= 1e12) {
      out.append(d);
    } else {
      long thousandths = Math.round(d * 1000);
      if (thousandths < 0) {
        out.append('-');
        thousandths = -thousandths;
      }
      out.append(thousandths / 1000);
      long fraction = thousandths % 1000;
      if (fraction != 0) {
        out.append('.');
        if (fraction < 100) {
          out.append('0');
        }
        if (fraction < 10) {
          out.append('0');
        }
        out.append(fraction);
      }
    }
    needComma = true;
    return this;
  }

  Json value(long n) {
    comma();
    out.append(n);
    needComma = true;
    return this;
  }

  Json value(boolean b) {
    comma();
    out.append(b);
    needComma = true;
    return this;
  }

  /** A string field, left out when the value is null. */
  Json field(String name, String value) {
    return value == null ? this : name(name).value(value);
  }

  private void comma() {
    if (needComma) {
      out.append(',');
      needComma = false;
    }
  }

  private void string(String s) {
    out.append('"');
    if (plain(s)) {
      out.append(s).append('"'); // the common case: nothing to escape
      return;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else if (Character.isSurrogate(c) && !validSurrogate(s, i)) {
            out.append('\uFFFD'); // a lone surrogate has no UTF-8 form: the replacement character
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean plain(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      // One range test for the common case: printable ASCII other than the two escapes.
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
          continue; // non-ASCII, not a surrogate: written as is
        }
        return false;
      }
    }
    return true;
  }

  /** Whether a surrogate is half of a proper pair. */
  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  private long cachedSecond = Long.MIN_VALUE;
  private String cachedPrefix;

  /**
   * An instant as RFC 3339 in UTC with milliseconds ({@code 2026-11-26T10:15:30.123Z}), the
   * date-time part formatted once per second.
   */
  Json value(java.time.Instant t) {
    long second = t.getEpochSecond();
    if (second != cachedSecond) {
      cachedPrefix =
          java.time.LocalDateTime.ofEpochSecond(second, 0, java.time.ZoneOffset.UTC)
              .format(java.time.format.DateTimeFormatter.ISO_LOCAL_DATE_TIME);
      if (cachedPrefix.length() == 16) {
        cachedPrefix += ":00"; // ISO_LOCAL_DATE_TIME leaves out zero seconds
      }
      cachedSecond = second;
    }
    comma();
    int millis = t.getNano() / 1_000_000;
    out.append('"').append(cachedPrefix).append('.');
    if (millis < 100) {
      out.append('0');
    }
    if (millis < 10) {
      out.append('0');
    }
    out.append(millis).append("Z\"");
    needComma = true;
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
