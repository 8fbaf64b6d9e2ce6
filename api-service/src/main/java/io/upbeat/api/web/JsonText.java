package io.upbeat.api.web;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.json.JsonFactory;

/**
 * What the API does to a JSON body's text before anything parses it: storable escapes, and the
 * field a bad byte is in.
 */
final class JsonText {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final byte[] HEX =
      "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private JsonText() {}

  /**
   * Rewrites, in place, every {@code \u0000} escape and every escape of an unpaired surrogate as
   * {@code \uFFFD}: valid JSON that is no storable text (PostgreSQL refuses NUL in text, and a lone
   * surrogate is no character). The length does not change. Escapes can only occur inside strings
   * (names included) of valid JSON, and an escaped backslash is skipped whole, so this needs no
   * parser; invalid JSON stays invalid for the parser to refuse.
   *
   * @return how many escapes were rewritten
   */
  static int replaceUnstorableEscapes(byte[] json, int length) {
    int replaced = 0;
    int i = 0;
    while (i + 1 < length) {
      if (json[i] != '\\') {
        i++;
        continue;
      }
      if (json[i + 1] != 'u') {
        i += 2; // \\, \", \n...: the escaped character cannot start another escape
        continue;
      }
      int unit = hex4(json, i + 2, length);
      if (unit < 0) {
        i += 2;
        continue;
      }
      boolean storable;
      if (unit == 0 || Character.isLowSurrogate((char) unit)) {
        storable = false;
      } else if (Character.isHighSurrogate((char) unit)) {
        int next =
            i + 6 + 1 < length && json[i + 6] == '\\' && json[i + 7] == 'u'
                ? hex4(json, i + 8, length)
                : -1;
        if (next >= 0 && Character.isLowSurrogate((char) next)) {
          i += 12; // a pair: one character
          continue;
        }
        storable = false;
      } else {
        storable = true;
      }
      if (!storable) {
        writeHex4(json, i + 2, 0xFFFD);
        replaced++;
      }
      i += 6;
    }
    return replaced;
  }

  private static int hex4(byte[] b, int from, int length) {
    if (from + 4 > length) {
      return -1;
    }
    int v = 0;
    for (int k = from; k < from + 4; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  private static void writeHex4(byte[] b, int from, int value) {
    for (int k = 3; k >= 0; k--) {
      b[from + k] = HEX[value & 0xF];
      value >>>= 4;
    }
  }

  /**
   * The field (as the contract names it, e.g. {@code commits[0].message}) of the string that holds
   * {@code json[offset]}, found by parsing the body up to that byte; {@code $} for the top level or
   * when the prefix is no JSON at all.
   */
  static String fieldAt(byte[] json, int offset) {
    JsonToken last = null;
    boolean inString = false;
    try (JsonParser p = FACTORY.createParser(json, 0, offset)) {
      try {
        JsonToken t;
        while ((t = p.nextToken()) != null) {
          last = t;
          if (t == JsonToken.VALUE_STRING) {
            inString = true;
            p.finishToken(); // strings are read lazily: read this one now
            inString = false;
          }
        }
      } catch (RuntimeException expected) {
        // The prefix ends inside the string that holds the bad byte: where the parser stopped.
      }
      TokenStreamContext ctx = p.streamReadContext();
      // In a string value, or just after a name, the parser is in that value's entry; anywhere
      // else in an object the bad byte is in a name, so the object itself is the field.
      boolean inEntry = inString || last == JsonToken.PROPERTY_NAME;
      if (ctx.inObject() && !inEntry) {
        ctx = ctx.getParent();
      }
      String path = render(ctx);
      return path.isEmpty() ? "$" : path;
    } catch (RuntimeException e) {
      return "$";
    }
  }

  private static String render(TokenStreamContext ctx) {
    if (ctx == null || ctx.inRoot()) {
      return "";
    }
    String parent = render(ctx.getParent());
    if (ctx.inArray()) {
      return parent + "[" + Math.max(0, ctx.getCurrentIndex()) + "]";
    }
    String name = ctx.currentName();
    if (name == null) {
      return parent;
    }
    return parent.isEmpty() ? name : parent + "." + name;
  }
}
