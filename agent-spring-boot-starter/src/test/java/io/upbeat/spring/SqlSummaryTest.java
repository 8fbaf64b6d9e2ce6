package io.upbeat.spring;

import static org.assertj.core.api.Assertions.assertThat;

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
}
