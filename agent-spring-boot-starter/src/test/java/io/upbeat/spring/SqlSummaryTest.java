package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SqlSummaryTest {
  @Test
  void namesTheVerbAndTableNeverTheValues() {
    assertThat(SqlSummary.of("select * from users where email = 'alice@example.com'"))
        .isEqualTo("SELECT FROM users");
    assertThat(SqlSummary.of("INSERT INTO shop.orders (id, total) VALUES (?, 42)"))
        .isEqualTo("INSERT INTO shop.orders");
    assertThat(SqlSummary.of("  update \"Users\" set name = 'x'")).isEqualTo("UPDATE Users");
    assertThat(SqlSummary.of("DELETE FROM carts WHERE id = 7")).isEqualTo("DELETE FROM carts");
    assertThat(SqlSummary.of("with x as (select 1) select * from x")).isEqualTo("SELECT FROM x");
    assertThat(SqlSummary.of("call refresh_totals('secret')")).isEqualTo("CALL");
    assertThat(SqlSummary.of(null)).isEqualTo("SQL");
  }

  @Test
  void theCacheGivesTheSameSummariesAndStaysBounded() {
    for (int i = 0; i < 5_000; i++) {
      String sql = "select * from t" + i + " where id = ?";
      assertThat(SqlSummary.cached(sql)).isEqualTo("SELECT FROM t" + i);
      assertThat(SqlSummary.cached(sql)).isEqualTo(SqlSummary.of(sql));
    }
    assertThat(SqlSummary.cached(null)).isEqualTo("SQL");
    assertThat(SqlSummary.cacheSize()).isLessThanOrEqualTo(2_000);
  }

  // The regular expressions SqlSummary used before, kept here only as the oracle.
  private static final Pattern SELECT =
      Pattern.compile("(?is)^\\s*(?:with\\b.*?\\)\\s*)?select\\b.*?\\bfrom\\s+([\\w.\"]+)");
  private static final Pattern INSERT = Pattern.compile("(?is)^\\s*insert\\s+into\\s+([\\w.\"]+)");
  private static final Pattern UPDATE = Pattern.compile("(?is)^\\s*update\\s+([\\w.\"]+)");
  private static final Pattern DELETE = Pattern.compile("(?is)^\\s*delete\\s+from\\s+([\\w.\"]+)");
  private static final Pattern VERB = Pattern.compile("^\\s*(\\w+)");

  private static String oracle(String s) {
    Matcher m;
    if ((m = SELECT.matcher(s)).find()) {
      return "SELECT FROM " + m.group(1).replace("\"", "");
    }
    if ((m = INSERT.matcher(s)).find()) {
      return "INSERT INTO " + m.group(1).replace("\"", "");
    }
    if ((m = UPDATE.matcher(s)).find()) {
      return "UPDATE " + m.group(1).replace("\"", "");
    }
    if ((m = DELETE.matcher(s)).find()) {
      return "DELETE FROM " + m.group(1).replace("\"", "");
    }
    m = VERB.matcher(s);
    return m.find() ? m.group(1).toUpperCase(Locale.ROOT) : "SQL";
  }

  @Provide
  Arbitrary<String> statements() {
    Arbitrary<String> token =
        Arbitraries.of(
            "select", "SELECT", "Select", "from", "FROM", "with", "WITH", "insert", "into",
            "update", "delete", "selectx", "xfrom", "fromage", "(", ")", " ", "  ", "\t", "\n",
            "\"", ".", ",", "*", "t", "t1", "_", "é", "1", "'", "?", "=");
    return token.list().ofMaxSize(12).map(l -> String.join("", l));
  }

  @Property(tries = 20_000)
  void agreesWithTheRegexesItReplaced(@ForAll("statements") String sql) {
    assertThat(SqlSummary.of(sql)).as(sql).isEqualTo(oracle(sql));
  }

  @Property(tries = 20)
  void longStatementsAreSummarisedInLinearTime(
      @ForAll @IntRange(min = 100, max = 100_000) int length) {
    String[] worst = {
      "with " + ")".repeat(length) + " select" + " fro".repeat(length),
      "with (" + " select) ".repeat(length),
      "select " + "from ".repeat(length),
      "select a" + " from\t".repeat(length) + "(",
    };
    for (String sql : worst) {
      SqlSummary.of(sql); // warm up
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        SqlSummary.of(sql);
        best = Math.min(best, System.nanoTime() - start);
      }
      assertThat(best).as("%d ms", best / 1_000_000).isLessThan(50_000_000L);
    }
  }
}
