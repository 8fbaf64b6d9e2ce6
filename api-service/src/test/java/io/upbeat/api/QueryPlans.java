package io.upbeat.api;

import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * How PostgreSQL would run a statement when sequential scans are priced out: a plan that still
 * shows a Seq Scan on a table has no index to start from there, whatever the test data's size.
 */
final class QueryPlans {
  private QueryPlans() {}

  /** The EXPLAIN output of {@code sql} with these named parameters, one line per row. */
  static String withoutSeqScans(
      TransactionTemplate tx, JdbcClient jdbc, String sql, Map<String, ?> params) {
    return tx.execute(
        status -> {
          jdbc.sql("SET LOCAL enable_seqscan = off").update();
          return String.join(
              "\n", jdbc.sql("EXPLAIN " + sql).params(params).query(String.class).list());
        });
  }
}
