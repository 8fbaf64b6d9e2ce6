package io.upbeat.agent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A trace context received in W3C Trace Context level 1 headers ({@code traceparent}, {@code
 * tracestate}): the trace a call belongs to, the caller's span that made it, whether the trace is
 * sampled, and the vendors' {@code tracestate}, forwarded unchanged on the calls made in turn.
 *
 * <p>Parsing follows the specification: a {@code traceparent} that is not {@code
 * version-traceid-parentid-flags} in lowercase hex, has version {@code ff}, an all-zero trace or
 * parent id, or (version {@code 00}) anything after the flags, is not a context at all, and the
 * receiver starts a new trace (its {@code tracestate} is then dropped too). A {@code tracestate}
 * that cannot be parsed, or has more than {@value #MAX_TRACESTATE_MEMBERS} list members, is dropped
 * whole; one longer than {@value #MAX_TRACESTATE_CHARS} characters loses its members longer than
 * 128 characters first, then members from the end, as the specification recommends.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param parentId the caller's span id: 16 lowercase hex digits, not all zero
 * @param sampled the caller's sampled flag: whether the trace is kept in full
 * @param tracestate the vendors' list to forward, or null
 */
record TraceContext(String traceId, String parentId, boolean sampled, String tracestate) {
  /** The header names, lowercase as HTTP/2 requires. */
  static final String TRACEPARENT = "traceparent";

  static final String TRACESTATE = "tracestate";

  /** The most list members a {@code tracestate} may have (W3C Trace Context). */
  static final int MAX_TRACESTATE_MEMBERS = 32;

  /** The {@code tracestate} length kept at most (the specification's propagation minimum). */
  static final int MAX_TRACESTATE_CHARS = 512;

  /**
   * The longest raw header looked at: far above anything valid (a {@code traceparent} of a future
   * version, 32 members of 512 characters), so a 100 KB header costs a length check, not a parse.
   */
  private static final int MAX_HEADER_CHARS = 8_192;

  /**
   * The context in these headers, or null when {@code traceparent} is absent or malformed (the
   * receiver then starts a new trace). {@code tracestate} is several headers' values joined with
   * commas, or null.
   */
  static TraceContext parse(String traceparent, String tracestate) {
    if (traceparent == null || traceparent.length() > MAX_HEADER_CHARS) {
      return null;
    }
    String h = trimOws(traceparent);
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
    if (h.length() < 55
        || !lowerHex(h, 0, 2)
        || h.startsWith("ff")
        || h.charAt(2) != '-'
        || h.charAt(35) != '-'
        || h.charAt(52) != '-'
        || !lowerHex(h, 3, 35)
        || !lowerHex(h, 36, 52)
        || !lowerHex(h, 53, 55)) {
      return null;
    }
    // Version 00 has exactly these fields; a later version may append more after a dash.
    if (h.length() > 55 && (h.startsWith("00") || h.charAt(55) != '-')) {
      return null;
    }
    String traceId = h.substring(3, 35);
    String parentId = h.substring(36, 52);
    if (allZero(traceId) || allZero(parentId)) {
      return null;
    }
    int flags = Integer.parseInt(h, 53, 55, 16);
    return new TraceContext(traceId, parentId, (flags & 1) == 1, keptTracestate(tracestate));
  }

  /** The {@code traceparent} a call made by span {@code spanId} of this trace carries. */
  static String traceparent(String traceId, String spanId, boolean sampled) {
    return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
  }

  /**
   * The {@code tracestate} to forward: the header as received when it is valid and within bounds,
   * shortened as the specification recommends when too long, null when absent or invalid.
   */
  static String keptTracestate(String header) {
    if (header == null || header.length() > MAX_HEADER_CHARS) {
      return null;
    }
    List<String> members = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (String raw : header.split(",", -1)) {
      String m = trimOws(raw);
      if (m.isEmpty()) {
        continue; // empty list members are allowed, and not counted
      }
      int eq = m.indexOf('=');
      if (eq < 0 || !validKey(m, eq) || !validValue(m, eq + 1) || !keys.add(m.substring(0, eq))) {
        return null;
      }
      members.add(m);
    }
    if (members.isEmpty() || members.size() > MAX_TRACESTATE_MEMBERS) {
      return null;
    }
    String joined = String.join(",", members);
    if (joined.length() > MAX_TRACESTATE_CHARS) {
      members.removeIf(m -> m.length() > 128);
      joined = String.join(",", members);
      while (joined.length() > MAX_TRACESTATE_CHARS) {
        members.remove(members.size() - 1);
        joined = String.join(",", members);
      }
    }
    return joined.isEmpty() ? null : joined;
  }

  /**
   * {@code lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/")}, or a multi-tenant key {@code
   * tenant@system}: the tenant starts with a letter or digit (at most 241 characters), the system
   * with a letter (at most 14).
   */
  private static boolean validKey(String m, int end) {
    if (end == 0 || end > 256) {
      return false;
    }
    int at = m.indexOf('@');
    if (at >= end) {
      at = -1;
    }
    char first = m.charAt(0);
    if (at < 0) {
      return lcalpha(first) && keyChars(m, 1, end);
    }
    return at >= 1
        && at <= 241
        && end - at - 1 >= 1
        && end - at - 1 <= 14
        && (lcalpha(first) || digit(first))
        && keyChars(m, 1, at)
        && lcalpha(m.charAt(at + 1))
        && keyChars(m, at + 2, end);
  }

  private static boolean keyChars(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/')) {
        return false;
      }
    }
    return true;
  }

  /** 1-256 printable ASCII characters but {@code ,} and {@code =}, not ending with a space. */
  private static boolean validValue(String m, int from) {
    int n = m.length() - from;
    if (n < 1 || n > 256 || m.charAt(m.length() - 1) == ' ') {
      return false;
    }
    for (int i = from; i < m.length(); i++) {
      char c = m.charAt(i);
      if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
        return false;
      }
    }
    return true;
  }

  private static boolean lcalpha(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean lowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(digit(c) || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  /** Without the optional white space (spaces and tabs) HTTP allows around a list member. */
  private static String trimOws(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return s.substring(from, to);
  }
}
