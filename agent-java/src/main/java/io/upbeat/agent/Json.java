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

  Json value(double d) {
    comma();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append("null");
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      out.append((long) d);
    } else {
      out.append(d);
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

  /** Whether a surrogate is half of a proper pair. */
  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
