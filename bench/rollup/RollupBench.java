import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.ServiceInfo;
import io.upbeat.events.TransactionEvent;
import io.upbeat.localstack.PostgresServer;
import io.upbeat.processor.consume.LedgerStore;
import io.upbeat.processor.consume.OffsetLedger;
import io.upbeat.processor.consume.WorkStore;
import io.upbeat.processor.metrics.MetricsStore;
import io.upbeat.processor.metrics.MetricsWork;
import io.upbeat.processor.metrics.NameLimiter;
import io.upbeat.processor.rollup.Rollups;
import io.upbeat.storage.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The metrics flush and the rollup job at 10x today's key count, on the code of the worktree it is
 * run from (bench/rollup/run.sh builds it; a single-file program compiled against that worktree's
 * processor-service classes, so the same file measures main and a branch).
 *
 * <ol>
 *   <li>Starts PostgreSQL (fsync off as in tests, full_page_writes on, so WAL is what production
 *       writes), applies the migrations, prepares the partitions.
 *   <li>Ingest: {@code EVENTS} transactions over {@code MINUTES} minutes of the previous hour,
 *       {@code APPS} apps x {@code NAMES} names (Zipf-distributed, s = 1, so some keys are hot and
 *       most are cold), on {@code PARTITIONS} events partitions held by two processors; each
 *       simulated second every processor commits its partitions' minute aggregates, as the
 *       metrics pipeline does with a 1 s flush interval. Measured: WAL bytes ({@code
 *       pg_current_wal_lsn()} difference), rows inserted and updated (and how many updates were
 *       HOT) per table from {@code pg_stat_user_tables}, per 100,000 events.
 *   <li>Rollup: the first runs until nothing is pending (all apps' hours, then their days); then
 *       three times 30 simulated seconds of ingest followed by one run, as the 30 s rollup
 *       interval sees it. Measured: time and WAL per run.
 * </ol>
 */
public class RollupBench {
  private static final int APPS = Integer.getInteger("apps", 10);
  private static final int NAMES = Integer.getInteger("names", 10_000);
  private static final int PARTITIONS = Integer.getInteger("partitions", 12);
  private static final int EVENTS = Integer.getInteger("events", 300_000);
  private static final int MINUTES = Integer.getInteger("minutes", 10);
  private static final String FILLFACTOR = System.getProperty("fillfactor", "");
  private static final int PROCESSORS = 2;

  private final Random random = new Random(42);
  private final List<UUID> apps = new ArrayList<>();
  private final double[] zipf = new double[NAMES];
  private final long[] nextOffset = new long[PARTITIONS];
  private final Instant now = Instant.now();
  private final Instant hour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
  private Supplier<MetricsWork> works;
  private WorkStore<MetricsWork> store;

  public static void main(String[] args) throws Exception {
    new RollupBench().run();
  }

  private void run() throws Exception {
    for (int a = 0; a < APPS; a++) {
      apps.add(new UUID(0x0123456789abcdefL, a));
    }
    double total = 0;
    for (int i = 0; i < NAMES; i++) {
      total += 1.0 / (i + 1);
      zipf[i] = total;
    }
    for (int i = 0; i < NAMES; i++) {
      zipf[i] /= total;
    }
    Path dir = Files.createTempDirectory("upbeat-rollup-bench");
    try (PostgresServer pg = PostgresServer.start(dir.resolve("data"), dir.resolve("run"), false)) {
      pg.ensureDatabase("upbeat", "upbeat", "upbeat");
      try (Connection su = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "");
          Statement s = su.createStatement()) {
        s.execute("ALTER SYSTEM SET full_page_writes = on");
        s.execute("SELECT pg_reload_conf()");
      }
      String url = pg.jdbcUrl("upbeat");
      try (HikariDataSource db = pool(url)) {
        Schema.flyway(db).migrate();
        store = new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
        store.prepare(LocalDate.ofInstant(now, ZoneOffset.UTC));
        new Rollups(db, new Rollups.Retention(7, 90, 730)).run(now); // creates the partitions
        if (!FILLFACTOR.isEmpty()) {
          try (Connection c = db.getConnection();
              Statement s = c.createStatement()) {
            for (String p : partitionsOf(c, "txn_metrics_1m")) {
              s.execute("ALTER TABLE " + p + " SET (fillfactor = " + FILLFACTOR + ")");
            }
          }
        }
      }
      works =
          MetricsWork.factory(
              new NameLimiter(NAMES * 2), Clock.systemUTC(), 7, new SimpleMeterRegistry());

      System.out.printf(
          Locale.ROOT,
          "%d apps x %,d names, %d partitions, %,d events over %d minutes%s%n",
          APPS,
          NAMES,
          PARTITIONS,
          EVENTS,
          MINUTES,
          FILLFACTOR.isEmpty() ? "" : ", minute partitions at fillfactor " + FILLFACTOR);

      // Ingest.
      Measure ingest = new Measure(url);
      long started = System.nanoTime();
      int seconds = MINUTES * 60;
      try (HikariDataSource db = pool(url)) {
        store = new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
        for (int second = 0; second < seconds; second++) {
          ingestSecond(second, EVENTS / seconds);
        }
      }
      double ingestSeconds = (System.nanoTime() - started) / 1e9;
      ingest.report("ingest", EVENTS, ingestSeconds);

      // Rollup: catching up with everything, then steady runs.
      Measure catchUp = new Measure(url);
      List<Double> catchUpRuns = new ArrayList<>();
      try (HikariDataSource db = pool(url)) {
        Rollups rollups = new Rollups(db, new Rollups.Retention(7, 90, 730));
        int units;
        do {
          long t = System.nanoTime();
          units = rollups.run(now);
          catchUpRuns.add((System.nanoTime() - t) / 1e6);
        } while (units > 0);
      }
      catchUp.report("rollup catch-up", 0, 0);
      System.out.printf(Locale.ROOT, "  runs (ms, the last found nothing): %s%n", format(catchUpRuns));

      List<Double> steady = new ArrayList<>();
      List<Long> steadyWal = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        try (HikariDataSource db = pool(url)) {
          store = new LedgerStore<>(new OffsetLedger(db, "metrics"), new MetricsStore(db, 7));
          for (int s = 0; s < 30; s++) {
            ingestSecond(seconds - 30 + s, EVENTS / seconds);
          }
          long wal = lsn(url);
          Rollups rollups = new Rollups(db, new Rollups.Retention(7, 90, 730));
          long t = System.nanoTime();
          rollups.run(now);
          steady.add((System.nanoTime() - t) / 1e6);
          steadyWal.add(lsn(url) - wal);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "rollup run after 30 s of ingest: %s ms; WAL %s bytes%n",
          format(steady),
          steadyWal);
    }
  }

  /** One simulated second: each processor commits the minute aggregates of its partitions. */
  private void ingestSecond(int second, int events) throws Exception {
    Instant at = hour.plusSeconds(second);
    Map<Integer, Map<UUID, List<TransactionEvent>>> byPartition = new HashMap<>();
    for (int i = 0; i < events; i++) {
      UUID app = apps.get(random.nextInt(APPS));
      int name = Arrays.binarySearch(zipf, random.nextDouble());
      name = name < 0 ? -name - 1 : name;
      byPartition
          .computeIfAbsent(random.nextInt(PARTITIONS), p -> new HashMap<>())
          .computeIfAbsent(app, x -> new ArrayList<>())
          .add(
              new TransactionEvent(
                  null,
                  null,
                  "GET /n" + Math.min(name, NAMES - 1),
                  "request",
                  at.plusMillis(random.nextInt(1000)),
                  1 + Math.exp(3 + random.nextGaussian()),
                  null,
                  null,
                  null,
                  null));
    }
    for (int proc = 0; proc < PROCESSORS; proc++) {
      List<WorkStore.Flush<MetricsWork>> flushes = new ArrayList<>();
      for (int p = proc; p < PARTITIONS; p += PROCESSORS) {
        Map<UUID, List<TransactionEvent>> ofPartition = byPartition.get(p);
        if (ofPartition == null) {
          continue;
        }
        MetricsWork work = works.get();
        for (Map.Entry<UUID, List<TransactionEvent>> e : ofPartition.entrySet()) {
          work.add(
              new EventBatch(
                  UUID.randomUUID(),
                  e.getKey(),
                  at,
                  new ServiceInfo("shop", null, null, null, null, null, null),
                  e.getValue(),
                  List.of()));
        }
        long start = nextOffset[p];
        nextOffset[p] = start + 1;
        flushes.add(new WorkStore.Flush<>(p, start == 0 ? null : start, start + 1, work));
      }
      store.commit("events", flushes);
    }
  }

  private static HikariDataSource pool(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("upbeat");
    config.setPassword("upbeat");
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  private static List<String> partitionsOf(Connection c, String table) throws Exception {
    List<String> names = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = '"
                    + table
                    + "'::regclass")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static long lsn(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "upbeat", "upbeat");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String format(List<Double> values) {
    return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList().toString();
  }

  /**
   * WAL and row counters at its creation, reported as differences: the pool that did the work is
   * closed first, so its backends have flushed their statistics.
   */
  private static final class Measure {
    private final String url;
    private final long wal;
    private final Map<String, long[]> rows;

    Measure(String url) throws Exception {
      this.url = url;
      checkpoint(url);
      this.wal = lsn(url);
      this.rows = rows(url);
    }

    void report(String phase, int events, double seconds) throws Exception {
      long walBytes = lsn(url) - wal;
      Map<String, long[]> after = rows(url);
      double per = events == 0 ? 1 : 100_000.0 / events;
      System.out.printf(
          Locale.ROOT,
          "%s%s: WAL %,.0f bytes%s%n",
          phase,
          seconds == 0 ? "" : String.format(Locale.ROOT, " (%.1f s)", seconds),
          walBytes * per,
          events == 0 ? "" : " per 100k events");
      for (Map.Entry<String, long[]> e : after.entrySet()) {
        long[] b = rows.getOrDefault(e.getKey(), new long[3]);
        long[] a = e.getValue();
        long ins = a[0] - b[0];
        long upd = a[1] - b[1];
        long hot = a[2] - b[2];
        if (ins + upd > 0) {
          System.out.printf(
              Locale.ROOT,
              "  %-18s inserted %,10.0f  updated %,10.0f  (HOT %,.0f)%s%n",
              e.getKey(),
              ins * per,
              upd * per,
              hot * per,
              events == 0 ? "" : " per 100k events");
        }
      }
    }

    /** Both runs start right after a checkpoint: the same full-page images follow. */
    private static void checkpoint(String url) throws Exception {
      try (Connection c = DriverManager.getConnection(url, "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("CHECKPOINT");
      }
    }

    /** Inserted, updated, HOT-updated rows per table, partitions summed into their parent. */
    private static Map<String, long[]> rows(String url) throws Exception {
      Thread.sleep(1500); // backends of a closed pool report their statistics as they exit
      Map<String, long[]> rows = new HashMap<>();
      try (Connection c = DriverManager.getConnection(url, "upbeat", "upbeat");
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  """
                  SELECT coalesce(parent.relname, t.relname), sum(t.n_tup_ins), sum(t.n_tup_upd),
                         sum(t.n_tup_hot_upd)
                  FROM pg_stat_user_tables t
                  LEFT JOIN pg_inherits i ON i.inhrelid = t.relid
                  LEFT JOIN pg_class parent ON parent.oid = i.inhparent
                  GROUP BY 1
                  """)) {
        while (rs.next()) {
          rows.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
        }
      }
      return rows;
    }
  }
}
