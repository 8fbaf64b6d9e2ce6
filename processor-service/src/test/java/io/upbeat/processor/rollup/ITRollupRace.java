package io.upbeat.processor.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.junit.LocalStackExtension;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.processor.samples.SampleStore;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rollup job and the daily partition maintenance run by several processors at once: they take
 * turns (or skip), none fails on another's DDL, and the rolled-up counts are exact.
 */
class ITRollupRace {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final UUID app = UUID.randomUUID();
  private final Instant now = Instant.now();
  private final Instant hour0 =
      now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1)).plus(Duration.ofHours(2));

  @Test
  void twoRollupRunsAtOnceGiveExactResults() throws Exception {
    DataSource db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    WorkStore<MetricsWork> store =
        new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
    store.prepare(LocalDate.ofInstant(now, ZoneOffset.UTC));
    long committed = 0;
    for (int round = 0; round < 5; round++) {
      List<TransactionEvent> txns = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        txns.add(txn(hour0.plusSeconds((i * 37L + round) % 7200), 1 + i % 50));
      }
      commit(store, round, txns);
      committed += txns.size();

      Rollups first = new Rollups(db, new Rollups.Retention(7, 90, 730));
      Rollups second = new Rollups(db, new Rollups.Retention(7, 90, 730));
      List<Integer> done = race(() -> first.run(now), () -> second.run(now));
      // The two hours and their day, each by one of the runs (or both shared them); neither
      // failed, nothing was done twice.
      assertThat(done.get(0) + done.get(1)).isEqualTo(3);
      assertThat(sum(db, "txn_metrics_1h")).isEqualTo(committed);
      assertThat(sum(db, "txn_metrics_1d")).isEqualTo(committed);
    }
    assertThat(new Rollups(db, new Rollups.Retention(7, 90, 730)).run(now)).isZero();
  }

  @Test
  void partitionMaintenanceByEveryProcessorAtOnceNeverFails() throws Exception {
    DataSource db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    MetricsStore metricsA = new MetricsStore(db, 7);
    MetricsStore metricsB = new MetricsStore(db, 7);
    SampleStore samplesA = new SampleStore(db, 7);
    SampleStore samplesB = new SampleStore(db, 7);
    Rollups rollupsA = new Rollups(db, new Rollups.Retention(7, 90, 730));
    Rollups rollupsB = new Rollups(db, new Rollups.Retention(7, 90, 730));
    // Each round a new "today": every table's partitions are created (and old ones dropped) by
    // six processors' maintenance at the same moment.
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    for (int round = 0; round < 4; round++) {
      LocalDate day = today.plusDays(20L * round);
      Instant at = day.atTime(12, 0).toInstant(ZoneOffset.UTC);
      race(
          () -> call(() -> metricsA.prepare(day)),
          () -> call(() -> metricsB.prepare(day)),
          () -> call(() -> samplesA.prepare(day)),
          () -> call(() -> samplesB.prepare(day)),
          () -> rollupsA.run(at),
          () -> rollupsB.run(at));
      for (String table : List.of("txn_metrics_1m", "txn_samples", "txn_metrics_1h")) {
        String partition = table + "_" + day.plusDays(2).toString().replace("-", "");
        assertThat(count(db, "SELECT count(*) FROM pg_class WHERE relname = '" + partition + "'"))
            .as(partition)
            .isOne();
      }
    }
  }

  private interface SqlRun {
    void run() throws Exception;
  }

  private static int call(SqlRun r) throws Exception {
    r.run();
    return 0;
  }

  /** Runs the tasks at the same moment; fails if any fails. */
  @SafeVarargs
  private static List<Integer> race(Callable<Integer>... tasks) throws Exception {
    CyclicBarrier start = new CyclicBarrier(tasks.length);
    try (ExecutorService pool = Executors.newFixedThreadPool(tasks.length)) {
      List<Future<Integer>> results = new ArrayList<>();
      for (Callable<Integer> task : tasks) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.call();
                }));
      }
      List<Integer> done = new ArrayList<>();
      for (Future<Integer> f : results) {
        done.add(f.get()); // rethrows a failed task's exception
      }
      return done;
    }
  }

  private void commit(WorkStore<MetricsWork> store, int offset, List<TransactionEvent> txns)
      throws Exception {
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
    store.commit(
        "events",
        List.of(new WorkStore.Flush<>(0, offset == 0 ? null : (long) offset, offset + 1, work)));
  }

  private static TransactionEvent txn(Instant at, double ms) {
    return new TransactionEvent(null, null, "GET /x", "request", at, ms, null, null, null, null);
  }

  private long sum(DataSource db, String table) throws Exception {
    return count(
        db,
        "SELECT coalesce(sum(count), 0) FROM "
            + table
            + " WHERE txn_name = 'GET /x' AND app_id = '"
            + app
            + "'");
  }

  private static long count(DataSource db, String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
