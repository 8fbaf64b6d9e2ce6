package io.upbeat.bench.search;

import io.upbeat.bench.ServiceJar;
import io.upbeat.localstack.FreePorts;
import io.upbeat.localstack.LocalStack;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Error search latency ({@code GET /api/v1/apps/{id}/errors?query=}) with a million error groups.
 *
 * <ol>
 *   <li>Starts PostgreSQL and Kafka in this JVM and api-service.jar in its own JVM (so Flyway
 *       applies every migration, V21's indexes included); signs up and creates four apps.
 *   <li>Fills {@code GROUPS} groups with SQL {@code generate_series}: 40 % for the searched app, 20
 *       % for each of the three others (whose groups must never match). Types, messages and
 *       culprits are drawn from fixed vocabularies (so a word matches from 0.1 % to 20 % of
 *       groups), with a status, an assignee for a tenth, releases, and one stored occurrence per
 *       group with an environment, a user id and a region tag, as the processor stores them.
 *   <li>Runs {@code ANALYZE}, then for each query {@code WARMUP} requests and {@code REQUESTS}
 *       measured, one at a time (closed loop, one connection), through the HTTP API.
 * </ol>
 */
public final class ErrorSearchLatency {
  private static final String[] TYPES = {
    "java.lang.NullPointerException",
    "java.lang.IllegalStateException",
    "java.lang.IllegalArgumentException",
    "java.util.concurrent.TimeoutException",
    "java.io.IOException",
    "java.net.SocketTimeoutException",
    "java.sql.SQLException",
    "org.springframework.dao.DataIntegrityViolationException",
    "com.shop.CardDeclinedException",
    "com.shop.OutOfStockException",
    "java.lang.ArithmeticException",
    "java.lang.ClassCastException",
    "java.util.NoSuchElementException",
    "java.lang.UnsupportedOperationException",
    "java.io.UncheckedIOException",
    "com.fasterxml.jackson.core.JsonParseException",
    "java.lang.OutOfMemoryError",
    "java.lang.StackOverflowError",
    "javax.net.ssl.SSLHandshakeException",
    "java.net.ConnectException"
  };
  private static final String[] WORDS = {
    "user",
    "cart",
    "order",
    "payment",
    "card",
    "declined",
    "timeout",
    "connection",
    "refused",
    "reset",
    "null",
    "invalid",
    "missing",
    "token",
    "expired",
    "session",
    "stock",
    "warehouse",
    "shipping",
    "address",
    "customer",
    "invoice",
    "refund",
    "coupon",
    "discount",
    "price",
    "currency",
    "tax",
    "checkout",
    "basket",
    "product",
    "catalog",
    "search",
    "index",
    "query",
    "database",
    "lock",
    "deadlock",
    "constraint",
    "duplicate",
    "key",
    "parse",
    "json",
    "xml",
    "header",
    "cookie",
    "redirect",
    "upstream",
    "gateway",
    "quota",
    "limit",
    "rate",
    "retry",
    "queue",
    "kafka",
    "consumer",
    "producer",
    "partition",
    "offset",
    "schema"
  };
  private static final String[] MODULES = {
    "cart", "pay", "orders", "users", "catalog", "search", "shipping", "billing", "auth", "api",
    "web", "jobs", "mail", "stock", "pricing", "tax", "coupons", "reports", "admin", "events"
  };

  private ErrorSearchLatency() {}

  public static void main(String[] args) throws Exception {
    int groups = Integer.getInteger("groups", 1_000_000);
    int warmup = Integer.getInteger("warmup", 5);
    int requests = Integer.getInteger("requests", 20);
    String apiOpts = System.getProperty("apiJavaOpts", "-Xmx512m -XX:+UseParallelGC");
    Path root = Path.of(System.getProperty("upbeat.root", ".")).toAbsolutePath().normalize();
    Path jar = ServiceJar.of(root, "api-service");
    log("starting Kafka and PostgreSQL");
    LocalStack stack = LocalStack.shared();
    stack.postgres().ensureDatabase("upbeat", "upbeat", "upbeat");
    String jdbcUrl = stack.postgres().jdbcUrl("upbeat");
    int port = FreePorts.pick();
    Path apiLog = Files.createTempFile("error-search-api", ".log");
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
                  "{\"email\":\"s@example.com\",\"password\":\"search-bench-password\",\"org_name\":\"S\"}"));
      String key = signup.get("api_key").asString();
      String org = signup.get("org").get("id").asString();
      List<UUID> apps = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        JsonNode app =
            json.readTree(
                post(
                    http,
                    base + "/api/v1/orgs/" + org + "/apps",
                    key,
                    "{\"name\":\"app-" + i + "\"}"));
        apps.add(UUID.fromString(app.get("id").asString()));
      }
      long started = System.nanoTime();
      generate(jdbcUrl, apps, groups);
      log(
          "generated "
              + groups
              + " groups in "
              + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)
              + " s");

      String errors = base + "/api/v1/apps/" + apps.getFirst() + "/errors";
      List<String[]> queries =
          List.of(
              new String[] {"one common word", "?query=timeout"},
              new String[] {"two words", "?query=" + enc("payment declined")},
              new String[] {"rare substring (an order number)", "?query=" + enc("order 123457")},
              new String[] {"no match", "?query=" + enc("xylophone")},
              new String[] {
                "type and word, all statuses", "?status=all&query=" + enc("sqlexception lock")
              },
              new String[] {"word, sorted by count", "?sort=count&query=" + enc("checkout")},
              new String[] {
                "is:resolved assigned:<email>",
                "?query=" + enc("is:resolved assigned:dev3@example.com")
              },
              new String[] {"release: and word", "?query=" + enc("release:1.7 cart")},
              new String[] {"first-release:", "?query=" + enc("first-release:1.12")},
              new String[] {
                "environment: and word", "?query=" + enc("environment:staging timeout")
              },
              new String[] {"user:<id> (one user)", "?status=all&query=" + enc("user:u-424242")},
              new String[] {"tag and word", "?query=" + enc("tag.region:eu-west payment")},
              new String[] {"environment parameter, no query", "?environment=staging"},
              new String[] {"second page of a word", null});
      List<double[]> results = new ArrayList<>();
      List<Double> all = new ArrayList<>();
      for (String[] q : queries) {
        String url = errors + (q[1] == null ? secondPage(http, json, errors, key) : q[1]);
        double[] ms = measure(http, url, key, warmup, requests);
        results.add(ms);
        for (double m : ms) {
          all.add(m);
        }
      }
      double[] overall = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "%,d error groups in 4 apps (%,d in the searched one), one stored occurrence each."
              + " %d warm-up requests, then %d measured per query, one at a time.%n%n",
          groups,
          (long) (groups * 0.4),
          warmup,
          requests);
      System.out.println("| Search | p50 ms | p95 ms | max ms |");
      System.out.println("|---|---|---|---|");
      for (int i = 0; i < queries.size(); i++) {
        double[] ms = results.get(i);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.1f | %.1f | %.1f |%n",
            queries.get(i)[0],
            rank(ms, 0.5),
            rank(ms, 0.95),
            ms[ms.length - 1]);
      }
      System.out.printf(
          Locale.ROOT,
          "| **all %d searches** | %.1f | %.1f | %.1f |%n",
          overall.length,
          rank(overall, 0.5),
          rank(overall, 0.95),
          overall[overall.length - 1]);
    } finally {
      api.destroy();
      api.waitFor(30, TimeUnit.SECONDS);
      api.destroyForcibly();
    }
    System.exit(0);
  }

  /** The URL of the second page of a common word's results (its cursor from the first). */
  private static String secondPage(HttpClient http, ObjectMapper json, String errors, String key)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(errors + "?query=connection"))
                .header("Authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode next = json.readTree(r.body()).get("next_cursor");
    if (next == null || next.isNull()) {
      throw new IllegalStateException("a common word has one page only: " + r.body());
    }
    String cursor = next.asString();
    return "?query=connection&cursor=" + enc(cursor);
  }

  private static void generate(String jdbcUrl, List<UUID> apps, int groups) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "upbeat", "upbeat");
        Statement s = c.createStatement()) {
      s.execute("SET maintenance_work_mem = '256MB'");
      int[] shares = {40, 20, 20, 20};
      int offset = 0;
      for (int a = 0; a < apps.size(); a++) {
        int n = groups / 100 * shares[a];
        log("app " + a + ": " + n + " groups");
        try (PreparedStatement ps = c.prepareStatement(GROUPS_SQL)) {
          ps.setObject(1, apps.get(a));
          ps.setInt(2, offset + 1);
          ps.setInt(3, offset + n);
          ps.executeUpdate();
        }
        offset += n;
      }
      log("occurrences");
      s.execute(OCCURRENCES_SQL);
      log("analyze");
      s.execute("ANALYZE error_groups");
      s.execute("ANALYZE error_occurrences");
    }
  }

  private static String array(String[] values) {
    StringBuilder b = new StringBuilder("ARRAY[");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "'" : ", '").append(values[i]).append("'");
    }
    return b.append("]").toString();
  }

  /**
   * Group i of an app: a type, a message of three vocabulary words and an order number, a culprit,
   * statuses 3:1:1 (unresolved, resolved, ignored), one in ten assigned among 20 people, first
   * release 1.(i mod 50) and last release one or two later, last seen within 30 days.
   */
  private static final String GROUPS_SQL =
      """
      INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count, first_seen,
        last_seen, first_release, last_release, status, assignee_email)
      SELECT gen_random_uuid(), ?, md5(i::text) || md5((i * 7)::text), t.types[1 + i %% %d],
        w.words[1 + (i * 31) %% %d] || ' ' || w.words[1 + (i * 17) %% %d] || ' '
          || w.words[1 + (i * 7 + i / 97) %% %d] || ' for order ' || i,
        'com.shop.' || m.modules[1 + (i * 13) %% %d] || '.Service' || (i %% 500) || '.handle',
        1 + (i * 13) %% 1000,
        now() - interval '90 days',
        now() - ((i * 37) %% 2592000) * interval '1 second',
        '1.' || (i %% 50), '1.' || (i %% 50 + 1 + i %% 2),
        (ARRAY['unresolved', 'unresolved', 'unresolved', 'resolved', 'ignored'])[1 + i %% 5],
        CASE WHEN i %% 10 = 0 THEN 'dev' || (i / 10 %% 20) || '@example.com' END
      FROM generate_series(?, ?) i,
        (SELECT %s AS types) t, (SELECT %s AS words) w, (SELECT %s AS modules) m
      """
          .formatted(
              TYPES.length,
              WORDS.length,
              WORDS.length,
              WORDS.length,
              MODULES.length,
              array(TYPES),
              array(WORDS),
              array(MODULES));

  /** One stored occurrence per group: environment 1 in 4 staging, a user, a region tag. */
  private static final String OCCURRENCES_SQL =
      """
      INSERT INTO error_occurrences (group_id, occurred_at, environment, release, exception,
        context)
      SELECT g.id, g.last_seen,
        CASE WHEN n % 4 = 0 THEN 'staging' ELSE 'production' END,
        g.last_release, '{}'::jsonb,
        jsonb_build_object('user', jsonb_build_object('id', 'u-' || (n % 500000)),
          'tags', jsonb_build_object('region',
            (ARRAY['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'])[1 + n % 5]))
      FROM (SELECT id, last_seen, last_release, row_number() OVER () AS n FROM error_groups) g
      """;

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
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    for (int i = -warmup; i < n; i++) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("measurement exceeded 5 minutes: " + url);
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

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void log(String message) {
    System.err.printf("[%s] %s%n", java.time.LocalTime.now().withNano(0), message);
  }
}
