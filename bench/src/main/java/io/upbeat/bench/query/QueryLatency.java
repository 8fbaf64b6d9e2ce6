package io.upbeat.bench.query;

import io.upbeat.bench.ServiceJar;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.LocalStack;
import io.upbeat.metrics.DurationStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Query latency of the metrics API on a month of data.
 *
 * <ol>
 *   <li>Starts PostgreSQL and Kafka in this JVM and api-service.jar in its own JVM; signs up and
 *       creates an app through the API.
 *   <li>Generates 30 days of response-time rows for that app directly in PostgreSQL, as the
 *       processor and its rollup job leave them: 500 transaction names of skewed popularity (the 20
 *       busiest active every minute, the rest in a share of minutes falling with their rank),
 *       minute rows for the last 7 days (their retention), hour rows for 30 days, day rows for the
 *       complete days, the app-wide rows, and the current hour's rollup marked stale. Sketches are
 *       real ones, drawn from a pool of 256 built from lognormal durations.
 *   <li>For each query, {@code WARMUP} requests, then {@code REQUESTS} measured, one at a time
 *       (closed loop, one connection): the 24-hour response-time chart at 1-minute interval, the
 *       24-hour transactions list, and, as the baseline, {@code GET /api/v1/apps/{id}} (the same
 *       authentication, access check and JSON, no metrics).
 * </ol>
 */
public final class QueryLatency {
  private static final int NAMES = 500;
  private static final int DAYS = 30;
  private static final int POOL = 256;

  private QueryLatency() {}

  public static void main(String[] args) throws Exception {
    int warmup = Integer.getInteger("warmup", 100);
    int requests = Integer.getInteger("requests", 500);
    String apiOpts = System.getProperty("apiJavaOpts", "-Xmx512m -XX:+UseParallelGC");
    Path root = Path.of(System.getProperty("upbeat.root", ".")).toAbsolutePath().normalize();
    Path jar = ServiceJar.of(root, "api-service");
    log("starting Kafka and PostgreSQL");
    LocalStack stack = LocalStack.shared();
    stack.postgres().ensureDatabase("upbeat", "upbeat", "upbeat");
    String jdbcUrl = stack.postgres().jdbcUrl("upbeat");
    int port = FreePorts.pick();
    Path apiLog = Files.createTempFile("query-latency-api", ".log");
    log("starting api-service (" + apiOpts + "), log " + apiLog);
    Process api =
        ServiceJar.start(jar, apiOpts, port, stack.kafka().bootstrapServers(), jdbcUrl, apiLog);
    try {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      ServiceJar.awaitReady(http, base, api);
      ObjectMapper json = new ObjectMapper();
      JsonNode signup =
          json.readTree(
              post(
                  http,
                  base + "/api/v1/signup",
                  null,
                  "{\"email\":\"q@example.com\",\"password\":\"query-bench-password\",\"org_name\":\"Q\"}"));
      String key = signup.get("api_key").asString();
      JsonNode app =
          json.readTree(
              post(
                  http,
                  base + "/api/v1/orgs/" + signup.get("org").get("id").asString() + "/apps",
                  key,
                  "{\"name\":\"busy\"}"));
      UUID appId = UUID.fromString(app.get("id").asString());

      Instant now = Instant.now();
      long rows = generate(jdbcUrl, appId, now);

      Instant to = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
      Instant from = to.minus(Duration.ofDays(1));
      String apps = base + "/api/v1/apps/" + appId;
      double[] baseline = measure(http, apps, key, warmup, requests);
      double[] chart =
          measure(
              http,
              apps + "/metrics/response-time?interval=1m&from=" + from + "&to=" + to,
              key,
              warmup,
              requests);
      double[] list =
          measure(http, apps + "/transactions?from=" + from + "&to=" + to, key, warmup, requests);

      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "%,d rows generated for one app (%d names, %d days). %d warm-up requests, then %d"
              + " measured, one at a time.%n%n",
          rows,
          NAMES,
          DAYS,
          warmup,
          requests);
      System.out.println("| Request | p50 ms | p95 ms | p99 ms | max ms | p95 / baseline p95 |");
      System.out.println("|---|---|---|---|---|---|");
      row("baseline: `GET /api/v1/apps/{id}`", baseline, baseline);
      row("24-hour response-time chart, 1-minute interval (1,440 points)", chart, baseline);
      row("24-hour transactions list (500 names)", list, baseline);
    } finally {
      api.destroy();
      api.waitFor(30, TimeUnit.SECONDS);
      api.destroyForcibly();
    }
    System.exit(0);
  }

  private static void row(String label, double[] ms, double[] baseline) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
        label,
        rank(ms, 0.5),
        rank(ms, 0.95),
        rank(ms, 0.99),
        ms[ms.length - 1],
        rank(ms, 0.95) / rank(baseline, 0.95));
  }

  private static double rank(double[] sorted, double q) {
    return sorted[(int) Math.max(0, Math.ceil(q * sorted.length) - 1)];
  }

  /** Closed loop: each request after the previous answer; sorted latencies in ms. */
  private static double[] measure(HttpClient http, String url, String key, int warmup, int n)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + key)
            .timeout(Duration.ofSeconds(30))
            .build();
    double[] ms = new double[n];
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    for (int i = -warmup; i < n; i++) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("measurement exceeded 10 minutes: " + url);
      }
      long start = System.nanoTime();
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      long took = System.nanoTime() - start;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
      }
      if (i >= 0) {
        ms[i] = took / 1e6;
      }
    }
    Arrays.sort(ms);
    return ms;
  }

  private static long generate(String jdbcUrl, UUID app, Instant now) throws Exception {
    log("generating " + DAYS + " days of rows");
    Random random = new Random(17);
    long[] counts = new long[POOL];
    double[] sums = new double[POOL];
    double[] mins = new double[POOL];
    double[] maxes = new double[POOL];
    long[] failures = new long[POOL];
    byte[][] sketches = new byte[POOL][];
    for (int i = 0; i < POOL; i++) {
      DurationStats s = new DurationStats();
      int n = 1 + (int) Math.floor(Math.exp(random.nextDouble() * Math.log(400)));
      for (int j = 0; j < n; j++) {
        s.add(Math.exp(3 + 1.2 * random.nextGaussian()), random.nextInt(100) == 0);
      }
      counts[i] = s.count();
      sums[i] = s.sum();
      mins[i] = s.min();
      maxes[i] = s.max();
      failures[i] = s.failures();
      sketches[i] = s.sketch().toBytes();
    }
    Instant minuteHorizon = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(7));
    Instant start = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(DAYS - 1));
    Instant end = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
    Instant currentHour = now.truncatedTo(ChronoUnit.HOURS);
    Instant today = now.truncatedTo(ChronoUnit.DAYS);
    long total = 0;
    try (Connection c = DriverManager.getConnection(jdbcUrl, "upbeat", "upbeat");
        Statement st = c.createStatement()) {
      // Partitions as the processor lays them out: days for minutes and hours, months for days.
      for (Instant d = start.minus(Duration.ofDays(1));
          d.isBefore(end.plus(Duration.ofDays(2)));
          d = d.plus(Duration.ofDays(1))) {
        for (String t : List.of("txn_metrics_1m", "txn_metrics_1h")) {
          partition(st, t, d, d.plus(Duration.ofDays(1)));
        }
      }
      java.time.YearMonth first = java.time.YearMonth.from(start.atZone(java.time.ZoneOffset.UTC));
      for (java.time.YearMonth m = first;
          !m.isAfter(java.time.YearMonth.from(end.atZone(java.time.ZoneOffset.UTC)));
          m = m.plusMonths(1)) {
        partition(
            st,
            "txn_metrics_1d",
            m.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant(),
            m.plusMonths(1).atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant());
      }
      // Server-side generation: each row picks a pooled sketch (and its exact stats) at random.
      // Name i (0-based) is active in a minute with probability min(1, 20 / (i + 1)); the
      // app-wide row ('') in every minute.
      String pick =
          " FROM (SELECT *, 1 + floor(random() * %d)::int AS k FROM (%s) g) x"
              .formatted(POOL, "%s");
      String values =
          "SELECT ?::uuid, 'production', 'request', %s, %s, %s (?::bigint[])[k], (?::float8[])[k],"
              + " (?::float8[])[k], (?::float8[])[k], (?::bigint[])[k], (?::bytea[])[k]";
      String names =
          "SELECT n, CASE WHEN n = 0 THEN '' ELSE 'GET /api/resource-' || n END AS name"
              + " FROM generate_series(0, %d) n".formatted(NAMES);
      total +=
          insert(
              c,
              "INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,"
                  + " source_partition, count, sum_ms, min_ms, max_ms, failures, sketch) "
                  + values.formatted("name", "bucket", "0,")
                  + pick.formatted(
                      "SELECT name, bucket FROM ("
                          + names
                          + ") nn, generate_series(?::timestamptz, ?::timestamptz - interval '1"
                          + " minute', interval '1 minute') bucket WHERE n = 0 OR random() <"
                          + " least(1.0, 20.0 / greatest(n, 1))"),
              app,
              Timestamp.from(minuteHorizon),
              Timestamp.from(end),
              counts,
              sums,
              mins,
              maxes,
              failures,
              sketches);
      total +=
          insert(
              c,
              "INSERT INTO txn_metrics_1h (app_id, environment, txn_type, txn_name, bucket,"
                  + " count, sum_ms, min_ms, max_ms, failures, sketch) "
                  + values.formatted("name", "bucket", "")
                  + pick.formatted(
                      "SELECT name, bucket FROM ("
                          + names
                          + ") nn, generate_series(?::timestamptz, ?::timestamptz - interval '1"
                          + " hour', interval '1 hour') bucket"),
              app,
              Timestamp.from(start),
              Timestamp.from(currentHour),
              counts,
              sums,
              mins,
              maxes,
              failures,
              sketches);
      total +=
          insert(
              c,
              "INSERT INTO txn_metrics_1d (app_id, environment, txn_type, txn_name, bucket,"
                  + " count, sum_ms, min_ms, max_ms, failures, sketch) "
                  + values.formatted("name", "bucket", "")
                  + pick.formatted(
                      "SELECT name, bucket FROM ("
                          + names
                          + ") nn, generate_series(?::timestamptz, ?::timestamptz - interval '1"
                          + " day', interval '1 day') bucket"),
              app,
              Timestamp.from(start),
              Timestamp.from(today),
              counts,
              sums,
              mins,
              maxes,
              failures,
              sketches);
      try (PreparedStatement dirty =
          c.prepareStatement(
              "INSERT INTO rollup_pending (level, app_id, bucket, source) VALUES ('1h', ?, ?, 0)")) {
        dirty.setObject(1, app);
        dirty.setTimestamp(2, Timestamp.from(currentHour));
        dirty.executeUpdate();
      }
      st.execute("VACUUM ANALYZE txn_metrics_1m");
      st.execute("VACUUM ANALYZE txn_metrics_1h");
      st.execute("VACUUM ANALYZE txn_metrics_1d");
    }
    log(String.format(Locale.ROOT, "%,d rows generated", total));
    return total;
  }

  private static void partition(Statement st, String table, Instant from, Instant to)
      throws java.sql.SQLException {
    String suffix = from.toString().substring(0, 10).replace("-", "");
    st.execute(
        "CREATE TABLE IF NOT EXISTS %s_%s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')"
            .formatted(table, suffix, table, from, to));
  }

  private static long insert(
      Connection c,
      String sql,
      UUID app,
      Timestamp from,
      Timestamp to,
      long[] counts,
      double[] sums,
      double[] mins,
      double[] maxes,
      long[] failures,
      byte[][] sketches)
      throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, app);
      ps.setArray(2, c.createArrayOf("bigint", Arrays.stream(counts).boxed().toArray()));
      ps.setArray(3, c.createArrayOf("float8", Arrays.stream(sums).boxed().toArray()));
      ps.setArray(4, c.createArrayOf("float8", Arrays.stream(mins).boxed().toArray()));
      ps.setArray(5, c.createArrayOf("float8", Arrays.stream(maxes).boxed().toArray()));
      ps.setArray(6, c.createArrayOf("bigint", Arrays.stream(failures).boxed().toArray()));
      ps.setArray(7, c.createArrayOf("bytea", sketches));
      ps.setTimestamp(8, from);
      ps.setTimestamp(9, to);
      return ps.executeUpdate();
    }
  }

  private static String post(HttpClient http, String url, String key, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static void log(String message) {
    System.err.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), message);
  }
}
