package io.upbeat.processor.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.upbeat.processor.rollup.Rollups.Level;
import io.upbeat.processor.rollup.Rollups.Marker;
import io.upbeat.processor.rollup.Rollups.Unit;
import io.upbeat.storage.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rollup work split into units (an app's hour, an app's day) that any number of processors share:
 * each unit rolled up by exactly one, with the result one processor alone would give; flushes of
 * different partitions never wait on each other's markers, and a flush in flight while its unit is
 * claimed is never missed.
 */
class ITRollupUnits {
  @RegisterExtension final LocalStackExtension stack = new LocalStackExtension();

  private final Instant now = Instant.now();
  private final Instant day0 = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1));
  private DataSource db;
  private WorkStore<MetricsWork> store;
  private final long[] next = new long[4];

  @BeforeEach
  void migrate() throws Exception {
    db = stack.stack().dataSource();
    Schema.flyway(db).migrate();
    store = new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
    store.prepare(LocalDate.ofInstant(now, ZoneOffset.UTC));
  }

  @Test
  void twoRunnersRollEveryUnitUpExactlyOnceAndAsOneRunnerWould() throws Exception {
    List<UUID> apps = new ArrayList<>();
    Set<Unit> expected = new HashSet<>();
    for (int a = 0; a < 8; a++) {
      UUID app = UUID.randomUUID();
      apps.add(app);
      expected.add(new Unit(Level.DAY, app, day0));
      for (int partition = 0; partition < 2; partition++) {
        List<TransactionEvent> txns = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          int hour = (i + a) % 5;
          expected.add(new Unit(Level.HOUR, app, day0.plus(Duration.ofHours(hour))));
          txns.add(
              txn(
                  "GET /" + (i % 7),
                  day0.plus(Duration.ofHours(hour)).plusSeconds(i * 11L % 3600),
                  1 + (i * 13) % 97));
        }
        commit(partition, app, txns);
      }
    }

    Rollups first = new Rollups(db, new Rollups.Retention(7, 90, 730));
    Rollups second = new Rollups(db, new Rollups.Retention(7, 90, 730));
    List<List<Unit>> done = race(() -> first.rollUp(now), () -> second.rollUp(now));

    List<Unit> all = new ArrayList<>(done.get(0));
    all.addAll(done.get(1));
    assertThat(all).as("every unit, each by one runner").doesNotHaveDuplicates();
    assertThat(new HashSet<>(all)).isEqualTo(expected);
    assertThat(count("SELECT count(*) FROM rollup_pending")).isZero();
    List<List<Object>> shared = rollups();
    assertThat(shared).hasSize(8 * (5 * 8 + 8)); // 7 names and the app-wide row, 5 hours and a day

    // The same units rolled up again by one runner alone give the same rows.
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM txn_metrics_1h");
      s.execute("DELETE FROM txn_metrics_1d");
    }
    try (Connection c = db.getConnection()) {
      List<Marker> hours = new ArrayList<>();
      for (Unit u : expected) {
        if (u.level() == Level.HOUR) {
          hours.add(new Marker(u.app(), u.bucket(), 0));
        }
      }
      Rollups.markPending(c, "1h", hours);
    }
    assertThat(new HashSet<>(first.rollUp(now))).isEqualTo(expected);
    assertThat(rollups()).isEqualTo(shared);
    assertThat(first.run(now)).isZero();
  }

  @Test
  void flushesOfOtherPartitionsNeverWaitOnAnothersMarkers() throws Exception {
    UUID app = UUID.randomUUID();
    Instant hour = day0.plus(Duration.ofHours(3));
    try (Connection a = db.getConnection();
        Connection b = db.getConnection()) {
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      Rollups.markPending(a, "1h", List.of(new Marker(app, hour, 0)));
      try (Statement s = b.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '1s'"); // fails the test instead of hanging it
      }
      // Same app and hour, another partition, while the first is not committed: no wait.
      Rollups.markPending(b, "1h", List.of(new Marker(app, hour, 1)));
      b.commit();
      a.commit();
    }
    assertThat(count("SELECT count(*) FROM rollup_pending WHERE app_id = '" + app + "'"))
        .isEqualTo(2);
  }

  @Test
  void aFlushInFlightWhileItsUnitIsClaimedIsReadByTheRollup() throws Exception {
    UUID app = UUID.randomUUID();
    Instant hour = day0.plus(Duration.ofHours(4));
    commit(0, app, List.of(txn("GET /a", hour.plusSeconds(10), 5)));
    Rollups rollups = new Rollups(db, new Rollups.Retention(7, 90, 730));
    try (Connection flush = db.getConnection()) {
      flush.setAutoCommit(false);
      // A flush of the same partition and hour, not yet committed: a minute row and its marker
      // (which exists, so only its lock says that the flush is there).
      try (PreparedStatement ps =
          flush.prepareStatement(
              "UPDATE txn_metrics_1m SET count = count + 1, sum_ms = sum_ms + 7"
                  + " WHERE app_id = ? AND source_partition = 0 AND txn_name = 'GET /a'")) {
        ps.setObject(1, app);
        assertThat(ps.executeUpdate()).isOne();
      }
      Rollups.markPending(flush, "1h", List.of(new Marker(app, hour, 0)));

      CompletableFuture<List<Unit>> run =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return rollups.rollUp(now);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // The rollup waits for the flush's marker rather than reading without its rows.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  count(
                          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                              + " AND query LIKE 'SELECT source FROM rollup_pending%'")
                      == 1);
      assertThat(run).isNotDone();
      flush.commit();
      assertThat(run.get()).contains(new Unit(Level.HOUR, app, hour));
    }
    assertThat(
            count(
                "SELECT sum(count) FROM txn_metrics_1h WHERE app_id = '"
                    + app
                    + "' AND txn_name = 'GET /a'"))
        .isEqualTo(2);
    assertThat(
            count(
                "SELECT sum(count) FROM txn_metrics_1d WHERE app_id = '"
                    + app
                    + "' AND txn_name = 'GET /a'"))
        .isEqualTo(2);
  }

  /** Every hourly and daily row, in key order, with its sketch's bytes. */
  private List<List<Object>> rollups() throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                """
                SELECT '1h', app_id, environment, txn_type, txn_name, bucket, count, sum_ms,
                       min_ms, max_ms, failures, encode(sketch, 'hex') FROM txn_metrics_1h
                UNION ALL
                SELECT '1d', app_id, environment, txn_type, txn_name, bucket, count, sum_ms,
                       min_ms, max_ms, failures, encode(sketch, 'hex') FROM txn_metrics_1d
                ORDER BY 1, 2, 3, 4, 5, 6
                """)) {
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private void commit(int partition, UUID app, List<TransactionEvent> txns) throws Exception {
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
    Long start = next[partition] == 0 ? null : next[partition];
    store.commit(
        "events", List.of(new WorkStore.Flush<>(partition, start, next[partition] + 1, work)));
    next[partition]++;
  }

  private static TransactionEvent txn(String name, Instant at, double ms) {
    return new TransactionEvent(null, null, name, "request", at, ms, null, null, null, null);
  }

  private interface Task<T> {
    T call() throws Exception;
  }

  /** Runs the tasks at the same moment; fails if any fails. */
  @SafeVarargs
  private static <T> List<T> race(Task<T>... tasks) throws Exception {
    CyclicBarrier start = new CyclicBarrier(tasks.length);
    try (ExecutorService pool = Executors.newFixedThreadPool(tasks.length)) {
      List<Future<T>> results = new ArrayList<>();
      for (Task<T> task : tasks) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.call();
                }));
      }
      List<T> done = new ArrayList<>();
      for (Future<T> f : results) {
        done.add(f.get());
      }
      return done;
    }
  }

  private long count(String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
