package io.upbeat.api.errors;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a stored occurrence's exception (as the agent sent it: type, message, stacktrace frames
 * innermost first, nested cause) into what the error page shows: the exception and each cause in
 * turn, each with its frames. Tolerant: a field of the wrong type is treated as absent, so a page
 * never fails on an odd agent's payload.
 */
final class StackTraces {
  /** Causes beyond this depth are not shown (intake allows 10). */
  static final int MAX_DEPTH = 20;

  private static final JsonMapper JSON = JsonMapper.shared();

  private StackTraces() {}

  /** One exception of the chain; {@code frames} innermost (the one that threw) first. */
  record Thrown(String type, String message, List<Frame> frames) {
    Thrown {
      frames = List.copyOf(frames);
    }

    /** How many of the frames are the application's own. */
    public long inAppCount() {
      return frames.stream().filter(Frame::inApp).count();
    }
  }

  /**
   * A stack frame; any part may be missing except that one of module or function is usually set.
   */
  record Frame(String module, String function, String filename, Integer lineno, boolean inApp) {
    /** As a Java stack trace prints it: {@code com.shop.UserService.find(UserService.java:42)}. */
    public String text() {
      StringBuilder b = new StringBuilder();
      if (module != null) {
        b.append(module);
      }
      if (function != null) {
        b.append(b.isEmpty() ? "" : ".").append(function);
      }
      if (b.isEmpty()) {
        b.append("?");
      }
      if (filename != null || lineno != null) {
        b.append('(').append(filename == null ? "Unknown Source" : filename);
        if (lineno != null) {
          b.append(':').append(lineno);
        }
        b.append(')');
      }
      return b.toString();
    }
  }

  /** The exception first, then its causes; empty when the text is not an exception object. */
  static List<Thrown> chain(String exceptionJson) {
    List<Thrown> out = new ArrayList<>();
    if (exceptionJson == null) {
      return out;
    }
    JsonNode node;
    try {
      node = JSON.readTree(exceptionJson);
    } catch (JacksonException e) {
      return out;
    }
    while (node != null && node.isObject() && out.size() < MAX_DEPTH) {
      List<Frame> frames = new ArrayList<>();
      JsonNode stack = node.get("stacktrace");
      if (stack != null && stack.isArray()) {
        for (JsonNode f : stack) {
          if (f.isObject()) {
            frames.add(frame(f));
          }
        }
      }
      out.add(new Thrown(text(node, "type"), text(node, "message"), frames));
      node = node.get("cause");
    }
    return out;
  }

  private static Frame frame(JsonNode f) {
    JsonNode line = f.get("lineno");
    JsonNode inApp = f.get("in_app");
    return new Frame(
        text(f, "module"),
        text(f, "function"),
        text(f, "filename"),
        line != null && line.canConvertToInt() ? line.asInt() : null,
        inApp != null && inApp.isBoolean() && inApp.booleanValue());
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isString() ? v.stringValue() : null;
  }
}
