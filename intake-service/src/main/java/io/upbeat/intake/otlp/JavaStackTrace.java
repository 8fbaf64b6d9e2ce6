package io.upbeat.intake.otlp;

import io.upbeat.events.ExceptionInfo;
import io.upbeat.events.StackFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the text of a Java stack trace, as {@code Throwable.printStackTrace} writes it and as the
 * OpenTelemetry agents put it in {@code exception.stacktrace}, into an exception chain with frames.
 *
 * <pre>
 * java.lang.IllegalStateException: lookup failed
 * 	at com.shop.UserService.find(UserService.java:42)
 * 	at java.base/java.lang.Thread.run(Thread.java:1583)
 * Caused by: java.lang.ArithmeticException: / by zero
 * 	at com.shop.Pricing.discount(Pricing.java:17)
 * 	... 12 more
 * </pre>
 *
 * Frames stay innermost first, as printed. {@code ... N more} (frames shared with the enclosing
 * trace) are not repeated; {@code Suppressed:} blocks are left out (they are not the cause). Module
 * and class-loader prefixes ({@code java.base/}, {@code app//}) are dropped. Frames get no {@code
 * in_app}: the processor decides it from the app's packages. Lines that are not part of a stack
 * trace are ignored, so arbitrary text yields an exception without frames, never a failure.
 *
 * <p>The text is a tenant's, up to the body limit: it is scanned by hand, each line once, with no
 * regular expression, so the time is linear in its length whatever it holds.
 */
final class JavaStackTrace {
  private static final String CAUSED_BY = "Caused by:";

  private JavaStackTrace() {}

  /** One exception's header (type and message) and frames, before chaining. */
  private record Part(String type, String message, List<StackFrame> frames) {}

  /**
   * @param text the stack trace text, or null
   * @param type the exception type when known separately ({@code exception.type}), else null
   * @param message the message when known separately ({@code exception.message}), else null
   * @param maxFrames frames kept per exception (the innermost ones)
   * @param maxCauseDepth causes kept below the top exception
   * @param maxChars longest string kept (longer ones are cut)
   */
  static ExceptionInfo parse(
      String text, String type, String message, int maxFrames, int maxCauseDepth, int maxChars) {
    List<Part> parts = text == null ? List.of() : parts(text, maxFrames, maxChars);
    String topType = type != null ? type : parts.isEmpty() ? null : parts.getFirst().type();
    if (topType == null || topType.isBlank()) {
      topType = "Error";
    }
    String topMessage =
        message != null ? message : parts.isEmpty() ? null : parts.getFirst().message();
    ExceptionInfo cause = null;
    int last = Math.min(parts.size() - 1, maxCauseDepth);
    for (int i = last; i >= 1; i--) {
      Part p = parts.get(i);
      cause = new ExceptionInfo(p.type(), p.message(), p.frames(), cause);
    }
    List<StackFrame> frames = parts.isEmpty() ? List.of() : parts.getFirst().frames();
    return new ExceptionInfo(cut(topType, maxChars), cut(topMessage, maxChars), frames, cause);
  }

  private static List<Part> parts(String text, int maxFrames, int maxChars) {
    List<Part> parts = new ArrayList<>();
    String header = null;
    StringBuilder headerMore = null;
    List<StackFrame> frames = new ArrayList<>();
    boolean inFrames = false;
    int n = text.length();
    for (int from = 0; from < n; ) {
      int newline = text.indexOf('\n', from);
      int end = newline < 0 ? n : newline;
      String line =
          text.substring(from, end > from && text.charAt(end - 1) == '\r' ? end - 1 : end);
      from = end + 1;
      if (line.isBlank()) {
        continue;
      }
      int indent = indent(line);
      String trimmed = line.strip();
      if (indent == 0 && trimmed.startsWith(CAUSED_BY)) {
        if (header != null) {
          parts.add(part(header, headerMore, frames, maxChars));
        }
        int at = CAUSED_BY.length();
        while (at < trimmed.length() && space(trimmed.charAt(at))) {
          at++;
        }
        header = trimmed.substring(at);
        headerMore = null;
        frames = new ArrayList<>();
        inFrames = false;
        continue;
      }
      if (header == null) {
        header = trimmed;
        continue;
      }
      if (trimmed.startsWith("at ") || trimmed.startsWith("...")) {
        inFrames = true;
        // Deeper-indented frames belong to a Suppressed: block (or its causes): not the chain.
        if (indent <= 1 && trimmed.startsWith("at ") && frames.size() < maxFrames) {
          StackFrame f = frame(trimmed, maxChars);
          if (f != null) {
            frames.add(f);
          }
        }
        continue;
      }
      if (!inFrames && indent == 0) {
        // A message spanning several lines, before the first frame.
        headerMore = headerMore == null ? new StringBuilder() : headerMore.append('\n');
        headerMore.append(line);
      }
      // Anything else (Suppressed:, indented Caused by:, noise) is skipped.
    }
    if (header != null) {
      parts.add(part(header, headerMore, frames, maxChars));
    }
    return parts;
  }

  /** Leading whitespace in tab stops (a tab, or up to 4 spaces, counts one). */
  private static int indent(String line) {
    int tabs = 0;
    int spaces = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\t') {
        tabs++;
      } else if (c == ' ') {
        spaces++;
      } else {
        break;
      }
    }
    return tabs + (spaces + 3) / 4;
  }

  private static Part part(
      String header, StringBuilder more, List<StackFrame> frames, int maxChars) {
    String full = more == null ? header : header + "\n" + more;
    int colon = full.indexOf(": ");
    String type = colon < 0 ? full.strip() : full.substring(0, colon).strip();
    String message = colon < 0 ? null : full.substring(colon + 2);
    if (type.isEmpty() || type.contains(" ")) {
      // Not "Type: message" (a custom toString): keep the line as the message.
      type = "Error";
      message = full;
    }
    return new Part(cut(type, 1024), cut(message, maxChars), List.copyOf(frames));
  }

  /**
   * One frame line, {@code at [loader/][module[@version]/]pkg.Class.method(Source)}, or null: the
   * class is what follows the last {@code /} before the {@code (}, the method what follows its last
   * {@code .}, and nothing but white space may follow the {@code )}.
   */
  static StackFrame frame(String trimmed, int maxChars) {
    int length = trimmed.length();
    if (!trimmed.startsWith("at") || length < 3 || !space(trimmed.charAt(2))) {
      return null;
    }
    int start = 3;
    while (start < length && space(trimmed.charAt(start))) {
      start++;
    }
    int open = trimmed.indexOf('(', start);
    if (open < 0) {
      return null;
    }
    int slash = -1;
    int dot = -1;
    for (int i = start; i < open; i++) {
      char c = trimmed.charAt(i);
      if (space(c)) {
        return null;
      }
      if (c == '/') {
        slash = i;
        dot = -1;
      } else if (c == '.') {
        dot = i;
      }
    }
    int classStart = slash + 1 > start ? slash + 1 : start;
    if (dot <= classStart || dot + 1 >= open) {
      return null; // no class, or no method
    }
    int close = trimmed.indexOf(')', open + 1);
    if (close < 0) {
      return null;
    }
    for (int i = close + 1; i < length; i++) {
      if (!space(trimmed.charAt(i))) {
        return null;
      }
    }
    String module = trimmed.substring(classStart, dot);
    String function = trimmed.substring(dot + 1, open);
    String source = trimmed.substring(open + 1, close);
    String filename = null;
    Integer lineno = null;
    if (!source.isEmpty() && !source.equals("Native Method") && !source.equals("Unknown Source")) {
      int colon = source.lastIndexOf(':');
      filename = colon < 0 ? source : source.substring(0, colon);
      if (colon >= 0) {
        try {
          int n = Integer.parseInt(source.substring(colon + 1));
          lineno = n >= 0 ? n : null;
        } catch (NumberFormatException e) {
          filename = source;
        }
      }
    }
    return new StackFrame(
        cut(module, maxChars),
        cut(function, maxChars),
        cut(filename, maxChars),
        null,
        lineno,
        null);
  }

  /** What a regular expression's {@code \\s} matches. */
  private static boolean space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  static String cut(String s, int maxChars) {
    return s == null || s.length() <= maxChars ? s : s.substring(0, maxChars);
  }
}
