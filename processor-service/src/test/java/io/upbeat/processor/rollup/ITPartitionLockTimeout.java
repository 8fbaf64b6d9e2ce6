package io.upbeat.processor.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Partition DDL behind a long query gives up after its lock timeout instead of queueing (and
 * queueing every writer of the table behind it); the run goes on, other tables' maintenance is
 * done, and the next run does what was left.
 */
class ITPartitionLockTimeout {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  @Test
  void ddlBlockedByALongQueryGivesUpAndTheNextRunDoesIt() throws Exception {
    DataSource db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    Rollups rollups = new Rollups(db, new Rollups.Retention(7, 90, 730));
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    rollups.run(today.atTime(12, 0).toInstant(ZoneOffset.UTC));

    LocalDate later = today.plusDays(40);
    Instant at = later.atTime(12, 0).toInstant(ZoneOffset.UTC);
    String hours = "txn_metrics_1h_" + later.plusDays(2).format(DateTimeFormatter.BASIC_ISO_DATE);
    String days =
        "txn_metrics_1d_" + YearMonth.from(later).plusMonths(1).toString().replace("-", "");
    assertThat(exists(db, hours)).isFalse();
    assertThat(exists(db, days)).isFalse();

    try (Connection reader = db.getConnection()) {
      reader.setAutoCommit(false);
      try (Statement s = reader.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM txn_metrics_1h")) {
        rs.next(); // the long query: its ACCESS SHARE lock is held until it commits
      }
      long start = System.nanoTime();
      assertThat(rollups.run(at)).isZero(); // no exception: the run goes on
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .isGreaterThanOrEqualTo(Rollups.PARTITION_LOCK_TIMEOUT)
          .isLessThan(Duration.ofSeconds(30));
      assertThat(exists(db, hours)).as("given up").isFalse();
      assertThat(exists(db, days)).as("another table's maintenance").isTrue();
      // Writers of the table were never queued behind the DDL: once it gave up, one goes through
      // at once.
      try (Connection writer = db.getConnection();
          Statement s = writer.createStatement()) {
        s.execute("SET lock_timeout = '1s'");
        s.executeUpdate(
            "INSERT INTO txn_metrics_1h (app_id, environment, txn_type, txn_name, bucket, count,"
                + " sum_ms, min_ms, max_ms, failures, sketch) VALUES (gen_random_uuid(), 'p', 'r',"
                + " 'x', now(), 1, 1, 1, 1, 0, '\\x00')");
      }
      reader.commit();
    }

    rollups.run(at);
    assertThat(exists(db, hours)).as("done by the next run").isTrue();
  }

  private static boolean exists(DataSource db, String table) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
