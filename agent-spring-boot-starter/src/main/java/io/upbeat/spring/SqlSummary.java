package io.upbeat.spring;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A span name for a SQL statement that never contains values: the statement's verb and its main
 * table ({@code SELECT FROM users}), or the verb alone.
 *
 * <p>Read by hand in one pass over at most the first {@value #MAX_CHARS} characters (no regular
 * expression: the lazy, nested patterns this replaced took quadratic time on long statements). It
 * recognises, case-insensitively in ASCII:
 *
 * <ul>
 *   <li>{@code [WITH ... )] SELECT ... FROM table}: after a {@code WITH}, the first {@code )}
 *       followed by {@code SELECT}; then the first whole word {@code FROM} followed by a name;
 *   <li>{@code INSERT INTO table}, {@code UPDATE table}, {@code DELETE FROM table};
 *   <li>otherwise the first word, upper-cased; {@code SQL} if there is none.
 * </ul>
 *
 * A table name is letters, digits, {@code _ . "}, with the quotes dropped.
 */
final class SqlSummary {
  /** Only the start of a statement is read. */
  static final int MAX_CHARS = 2_000;

  /** Statements an application runs are few and repeat: each is summarised once. */
  private static final int CACHED_STATEMENTS = 2_000;

  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private SqlSummary() {}

  /** {@link #of}, remembered for the first {@value #CACHED_STATEMENTS} distinct statements. */
  static String cached(String sql) {
    if (sql == null) {
      return "SQL";
    }
    String summary = CACHE.get(sql);
    if (summary == null) {
      summary = of(sql);
      if (CACHE.size() < CACHED_STATEMENTS) {
        CACHE.put(sql, summary);
      }
    }
    return summary;
  }

  static int cacheSize() {
    return CACHE.size();
  }

  static String of(String sql) {
    if (sql == null) {
      return "SQL";
    }
    String s = sql.length() > MAX_CHARS ? sql.substring(0, MAX_CHARS) : sql;
    int p = spaces(s, 0);
    String table = select(s, p);
    if (table != null) {
      return "SELECT FROM " + table;
    }
    if ((table = afterWords(s, p, "insert", "into")) != null) {
      return "INSERT INTO " + table;
    }
    if ((table = afterWords(s, p, "update", null)) != null) {
      return "UPDATE " + table;
    }
    if ((table = afterWords(s, p, "delete", "from")) != null) {
      return "DELETE FROM " + table;
    }
    int end = p;
    while (end < s.length() && word(s.charAt(end))) {
      end++;
    }
    return end > p ? s.substring(p, end).toUpperCase(Locale.ROOT) : "SQL";
  }

  /** The table of {@code [with ... )] select ... from table} at {@code p}, or null. */
  private static String select(String s, int p) {
    int select = -1;
    if (keyword(s, p, "select")) {
      select = p;
    } else if (keyword(s, p, "with")) {
      // The first ')' followed by spaces and SELECT: later ones could only find fewer FROMs.
      for (int r = s.indexOf(')', p + 4); r >= 0; r = s.indexOf(')', r + 1)) {
        int t = spaces(s, r + 1);
        if (keyword(s, t, "select")) {
          select = t;
          break;
        }
      }
    }
    if (select < 0) {
      return null;
    }
    // The first whole word FROM followed by spaces and a name.
    for (int q = select + 6; q + 4 <= s.length(); q++) {
      if ((q == 0 || !word(s.charAt(q - 1))) && ascii(s, q, "from")) {
        int t = spaces(s, q + 4);
        if (t > q + 4) {
          String name = name(s, t);
          if (name != null) {
            return name;
          }
        }
      }
    }
    return null;
  }

  /** The name after {@code first \s+ [second \s+]} at {@code p}, or null. */
  private static String afterWords(String s, int p, String first, String second) {
    if (!ascii(s, p, first)) {
      return null;
    }
    int t = spaces(s, p + first.length());
    if (t == p + first.length()) {
      return null;
    }
    if (second != null) {
      if (!ascii(s, t, second)) {
        return null;
      }
      int u = spaces(s, t + second.length());
      if (u == t + second.length()) {
        return null;
      }
      t = u;
    }
    return name(s, t);
  }

  /** {@code [\w."]+} at {@code p} without its quotes, or null. */
  private static String name(String s, int p) {
    int end = p;
    while (end < s.length()
        && (word(s.charAt(end)) || s.charAt(end) == '.' || s.charAt(end) == '"')) {
      end++;
    }
    return end > p ? s.substring(p, end).replace("\"", "") : null;
  }

  /** {@code word} at {@code p} (ASCII, any case) and not followed by a word character. */
  private static boolean keyword(String s, int p, String word) {
    int end = p + word.length();
    return ascii(s, p, word) && (end == s.length() || !word(s.charAt(end)));
  }

  /** Whether {@code lower} (ASCII lower case) is at {@code p}, ignoring ASCII case only. */
  private static boolean ascii(String s, int p, String lower) {
    if (p < 0 || p + lower.length() > s.length()) {
      return false;
    }
    for (int i = 0; i < lower.length(); i++) {
      char c = s.charAt(p + i);
      if (c != lower.charAt(i) && c != Character.toUpperCase(lower.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Past {@code \s*}: space, tab, line feed, vertical tab, form feed, carriage return. */
  private static int spaces(String s, int p) {
    while (p < s.length() && " \t\n\u000B\f\r".indexOf(s.charAt(p)) >= 0) {
      p++;
    }
    return p;
  }

  /** {@code \w}: ASCII letters, digits and {@code _}. */
  private static boolean word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
}
