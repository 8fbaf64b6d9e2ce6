package io.upbeat.spring;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A span name for a SQL statement that never contains values: the statement's verb and its main
 * table ({@code SELECT FROM users}), or the verb alone.
 */
final class SqlSummary {
  private static final Pattern SELECT =
      Pattern.compile("(?is)^\\s*(?:with\\b.*?\\)\\s*)?select\\b.*?\\bfrom\\s+([\\w.\"]+)");
  private static final Pattern INSERT = Pattern.compile("(?is)^\\s*insert\\s+into\\s+([\\w.\"]+)");
  private static final Pattern UPDATE = Pattern.compile("(?is)^\\s*update\\s+([\\w.\"]+)");
  private static final Pattern DELETE = Pattern.compile("(?is)^\\s*delete\\s+from\\s+([\\w.\"]+)");
  private static final Pattern VERB = Pattern.compile("^\\s*(\\w+)");

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
    String s = sql.length() > 2000 ? sql.substring(0, 2000) : sql;
    Matcher m;
    if ((m = SELECT.matcher(s)).find()) {
      return "SELECT FROM " + table(m.group(1));
    }
    if ((m = INSERT.matcher(s)).find()) {
      return "INSERT INTO " + table(m.group(1));
    }
    if ((m = UPDATE.matcher(s)).find()) {
      return "UPDATE " + table(m.group(1));
    }
    if ((m = DELETE.matcher(s)).find()) {
      return "DELETE FROM " + table(m.group(1));
    }
    m = VERB.matcher(s);
    return m.find() ? m.group(1).toUpperCase(Locale.ROOT) : "SQL";
  }

  private static String table(String t) {
    return t.replace("\"", "");
  }
}
