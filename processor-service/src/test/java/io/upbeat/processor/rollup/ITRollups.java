package io.upbeat.processor.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.localstack.junit.TestStack;
import io.upbeat.metrics.DurationStats;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Minute rows from two partitions roll up into exact hourly and daily rows whose quantiles stay
 * within 1%; a late minute marks its hour again and the rollup follows; expired partitions go.
 */
class ITRollups {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant now = Instant.now();
  // Yesterday 02:00 to 04:00 UTC: two hours of one day, whatever time the test runs.
  private final Instant hour0 =
      now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1)).plus(Duration.ofHours(2));
  private DataSource db;
  private WorkStore<MetricsWork> store;
  private final long[] started = new long[2];

  @Test
  void rollsMinutesIntoHoursAndDaysExactlyAndFollowsLateData() throws Exception {
    TestStack s = stack.stack();
    db = s.dataSource();
    Schema.flyway(db).migrate();
    store = new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    store.prepare(today);
    Rollups rollups = new Rollups(db, new Rollups.Retention(7, 90, 730));

    Random random = new Random(7);
    List<Double> hour0Values = new ArrayList<>();
    List<Double> hour1Values = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      List<TransactionEvent> txns = new ArrayList<>();
      for (int i = 0; i < 1500; i++) {
        int second = random.nextInt(7200);
        double ms = 1 + Math.floor(Math.exp(4 + random.nextGaussian()));
        (second < 3600 ? hour0Values : hour1Values).add(ms);
        txns.add(txn(hour0.plusSeconds(second), ms));
      }
      commit(p, txns);
    }

    assertThat(rollups.run(now)).isEqualTo(3); // two hours, then their day
    assertHour(hour0, hour0Values);
    assertHour(hour0.plus(Duration.ofHours(1)), hour1Values);
    assertThat(
            longValue(
                "SELECT sum(count) FROM txn_metrics_1d WHERE txn_name = 'GET /x' AND app_id = '"
                    + app
                    + "'"))
        .isEqualTo(3000);

    // A late event for the first hour: its hour and day are rolled up again.
    hour0Values.add(4242.0);
    commit(0, List.of(txn(hour0.plusSeconds(5), 4242.0)));
    assertThat(rollups.run(now)).isEqualTo(2);
    assertHour(hour0, hour0Values);
    assertThat(
            longValue(
                "SELECT sum(count) FROM txn_metrics_1d WHERE txn_name = 'GET /x' AND app_id = '"
                    + app
                    + "'"))
        .isEqualTo(3001);
    assertThat(rollups.run(now)).isZero();

    // Minute partitions past the 7-day retention are dropped whole.
    store.prepare(today.minusDays(20));
    String old = "txn_metrics_1m_" + today.minusDays(20).toString().replace("-", "");
    assertThat(longValue("SELECT count(*) FROM pg_class WHERE relname = '" + old + "'")).isOne();
    rollups.run(now);
    assertThat(longValue("SELECT count(*) FROM pg_class WHERE relname = '" + old + "'")).isZero();
  }

  private void commit(int partition, List<TransactionEvent> txns) throws Exception {
    MetricsWork work =
        MetricsWork.factory(new NameLimiter(1000), Clock.systemUTC(), 7, new SimpleMeterRegistry())
            .get();
    work.add(
        new EventBatch(
            UUID.randomUUID(),
            app,
            now,
            new ServiceInfo("shop", null, null, null, null, null, null),
            txns,
            List.of()));
    Long start = started[partition] == 0 ? null : started[partition];
    store.commit(
        "events", List.of(new WorkStore.Flush<>(partition, start, started[partition] + 1, work)));
    started[partition]++;
  }

  private static TransactionEvent txn(Instant at, double ms) {
    return new TransactionEvent(null, null, "GET /x", "request", at, ms, null, null, null, null);
  }

  private void assertHour(Instant hour, List<Double> values) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count, sum_ms, min_ms, max_ms, failures, sketch FROM txn_metrics_1h"
                    + " WHERE txn_name = 'GET /x' AND app_id = '"
                    + app
                    + "' AND bucket = '"
                    + hour
                    + "'")) {
      assertThat(rs.next()).isTrue();
      DurationStats stats =
          DurationStats.of(
              rs.getLong(1),
              rs.getDouble(2),
              rs.getDouble(3),
              rs.getDouble(4),
              rs.getLong(5),
              rs.getBytes(6));
      double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      assertThat(stats.count()).isEqualTo(sorted.length);
      assertThat(stats.sum()).isEqualTo(Arrays.stream(sorted).sum());
      assertThat(stats.min()).isEqualTo(sorted[0]);
      assertThat(stats.max()).isEqualTo(sorted[sorted.length - 1]);
      for (double q : new double[] {0.5, 0.9, 0.95, 0.99}) {
        double truth = sorted[(int) Math.ceil(q * sorted.length) - 1];
        assertThat(stats.sketch().quantile(q)).isCloseTo(truth, within(truth * 0.01));
      }
    }
  }

  private long longValue(String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
