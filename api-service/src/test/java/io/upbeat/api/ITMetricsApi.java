package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.metrics.DurationStats;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The metrics API against the contract's accuracy rule, through HTTP: known durations are stored as
 * the processor and its rollup job would store them (minute rows per source partition for the last
 * 7 days, hour and day rows merged, the current hour's rollup stale), and every quantile the API
 * reports must lie within 1% of the exact nearest-rank quantile of the same window's durations,
 * with counts exact, for windows of 1 minute, 3 hours spanning partial hours, and 8 days.
 */
class ITMetricsApi extends ApiIntegrationTest {
  private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99};
  private static final String[] NAMES = {"GET /a", "GET /b"};

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String appId;
  private Instant now;
  private final List<Sample> samples = new ArrayList<>();

  record Sample(Instant at, String name, double ms, boolean failed) {}

  @BeforeEach
  void data() {
    owner = api.newAccount("Metrics Org");
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"m\"}")
            .text("/id");
    for (String table : List.of("txn_metrics_1m", "txn_metrics_1h", "txn_metrics_1d")) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS " + table + "_default PARTITION OF " + table + " DEFAULT");
    }
    now = Instant.now();
    Random random = new Random(11);
    for (int i = 0; i < 60_000; i++) {
      Instant at =
          now.minusMillis(1 + (long) (random.nextDouble() * Duration.ofDays(9).toMillis()));
      String name = NAMES[random.nextInt(2)];
      double ms =
          name.equals("GET /a")
              ? Math.exp(3 + 1.2 * random.nextGaussian())
              : 5 / Math.pow(1 - random.nextDouble(), 1 / 1.2);
      samples.add(new Sample(at, name, Math.min(ms, 86_400_000), random.nextInt(20) == 0));
    }
    store(random);
  }

  /** Rows as the processor (minutes, per partition) and the rollup job (hours, days) write them. */
  private void store(Random random) {
    Instant minuteHorizon = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(7));
    Instant currentHour = now.truncatedTo(ChronoUnit.HOURS);
    Instant today = now.truncatedTo(ChronoUnit.DAYS);
    Map<List<Object>, DurationStats> minutes = new HashMap<>();
    Map<List<Object>, DurationStats> hours = new HashMap<>();
    Map<List<Object>, DurationStats> days = new HashMap<>();
    for (Sample s : samples) {
      int partition = random.nextInt(3);
      for (String name : List.of(s.name(), "")) { // "" is the app-wide row of the type
        Instant minute = s.at().truncatedTo(ChronoUnit.MINUTES);
        Instant hour = s.at().truncatedTo(ChronoUnit.HOURS);
        Instant day = s.at().truncatedTo(ChronoUnit.DAYS);
        if (!minute.isBefore(minuteHorizon)) {
          add(minutes, List.of(name, minute, partition), s);
        }
        if (!hour.equals(currentHour)) { // the current hour's rollup is stale
          add(hours, List.of(name, hour), s);
        }
        if (day.isBefore(today)) {
          add(days, List.of(name, day), s);
        }
      }
    }
    insert("txn_metrics_1m", minutes, true);
    insert("txn_metrics_1h", hours, false);
    insert("txn_metrics_1d", days, false);
    jdbc.update(
        "INSERT INTO rollup_pending (level, app_id, bucket, source) VALUES ('1h', ?, ?, 0)"
            + " ON CONFLICT DO NOTHING",
        UUID.fromString(appId),
        Timestamp.from(currentHour));
  }

  private static void add(Map<List<Object>, DurationStats> rows, List<Object> key, Sample s) {
    rows.computeIfAbsent(key, k -> new DurationStats()).add(s.ms(), s.failed());
  }

  private void insert(String table, Map<List<Object>, DurationStats> rows, boolean partitioned) {
    List<Object[]> args = new ArrayList<>();
    rows.forEach(
        (k, st) -> {
          List<Object> row = new ArrayList<>();
          row.add(UUID.fromString(appId));
          row.add(k.get(0));
          row.add(Timestamp.from((Instant) k.get(1)));
          if (partitioned) {
            row.add(k.get(2));
          }
          row.addAll(
              List.of(
                  st.count(), st.sum(), st.min(), st.max(), st.failures(), st.sketch().toBytes()));
          args.add(row.toArray());
        });
    jdbc.batchUpdate(
        "INSERT INTO "
            + table
            + " (app_id, environment, txn_type, txn_name, bucket, "
            + (partitioned ? "source_partition, " : "")
            + "count, sum_ms, min_ms, max_ms, failures, sketch) VALUES (?, 'production', 'request',"
            + " ?, ?, "
            + (partitioned ? "?, " : "")
            + "?, ?, ?, ?, ?, ?)",
        args);
  }

  private List<Double> durations(Instant from, Instant to, String name) {
    return samples.stream()
        .filter(s -> !s.at().isBefore(from) && s.at().isBefore(to))
        .filter(s -> name == null || s.name().equals(name))
        .map(Sample::ms)
        .sorted()
        .toList();
  }

  private static double exact(List<Double> sorted, double q) {
    return sorted.get((int) Math.max(0, Math.ceil(q * sorted.size()) - 1));
  }

  private static void assertWithinOnePercent(JsonNode node, List<Double> sorted, String what) {
    assertThat(node.get("count").asLong()).as(what + " count").isEqualTo(sorted.size());
    double sum = sorted.stream().mapToDouble(Double::doubleValue).sum();
    assertThat(node.get("avg_ms").asDouble())
        .as(what + " avg")
        .isCloseTo(sum / sorted.size(), within(1e-6 * sum / sorted.size()));
    for (double q : QUANTILES) {
      String field = "p" + Math.round(q * 100) + "_ms";
      double want = exact(sorted, q);
      assertThat(node.get(field).asDouble())
          .as("%s %s", what, field)
          .isCloseTo(want, within(want * 0.01));
    }
  }

  private Response responseTime(String query) {
    Response r =
        api.get("/api/v1/apps/" + appId + "/metrics/response-time?" + query, owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r;
  }

  @Test
  void quantilesOfEveryWindowLieWithinOnePercentOfTheExactOnes() {
    // One minute with data, within the minute retention.
    Instant minute = now.minus(Duration.ofHours(30)).truncatedTo(ChronoUnit.MINUTES);
    while (durations(minute, minute.plusSeconds(60), null).size() < 3) {
      minute = minute.plusSeconds(60);
    }
    Response one =
        responseTime("from=" + minute + "&to=" + minute.plusSeconds(60) + "&interval=1m");
    assertThat(one.json().at("/points").size()).isEqualTo(1);
    assertWithinOnePercent(
        one.json().at("/summary"), durations(minute, minute.plusSeconds(60), null), "1 minute");
    assertWithinOnePercent(
        one.json().at("/points/0"), durations(minute, minute.plusSeconds(60), null), "1m point");

    // Three hours spanning partial hours at both edges, ending now (its hour's rollup stale).
    Instant to = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
    Instant from = to.minus(Duration.ofHours(3)).plus(Duration.ofMinutes(17));
    Response three = responseTime("from=" + from + "&to=" + to + "&interval=1h");
    assertWithinOnePercent(three.json().at("/summary"), durations(from, to, null), "3 hours");
    for (JsonNode point : three.json().at("/points")) {
      Instant t = Instant.parse(point.get("t").asString());
      Instant start = t.isBefore(from) ? from : t;
      Instant end = t.plus(Duration.ofHours(1)).isAfter(to) ? to : t.plus(Duration.ofHours(1));
      assertWithinOnePercent(point, durations(start, end, null), "hour point " + t);
    }
    // One transaction's series reads that transaction's rows only.
    Response onlyA =
        responseTime("from=" + from + "&to=" + to + "&interval=5m&transaction=GET%20/a");
    assertWithinOnePercent(
        onlyA.json().at("/summary"), durations(from, to, "GET /a"), "3 hours of GET /a");

    // Eight days: days, hours and minutes merged; before 7 days only hour and day rows exist.
    Instant eightDays = now.minus(Duration.ofDays(8)).truncatedTo(ChronoUnit.HOURS);
    Response eight = responseTime("from=" + eightDays + "&to=" + to + "&interval=1d");
    assertWithinOnePercent(eight.json().at("/summary"), durations(eightDays, to, null), "8 days");
    for (JsonNode point : eight.json().at("/points")) {
      Instant t = Instant.parse(point.get("t").asString());
      Instant start = t.isBefore(eightDays) ? eightDays : t;
      Instant end = t.plus(Duration.ofDays(1)).isAfter(to) ? to : t.plus(Duration.ofDays(1));
      assertWithinOnePercent(point, durations(start, end, null), "day point " + t);
    }
  }

  @Test
  void transactionsAreMergedPerNameAndSortedByImpact() {
    Instant to = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
    Instant from = to.minus(Duration.ofHours(3)).plus(Duration.ofMinutes(17));
    Response r =
        api.get(
            "/api/v1/apps/" + appId + "/transactions?from=" + from + "&to=" + to, owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode items = r.json().at("/items");
    assertThat(items.size()).isEqualTo(2);
    assertThat(items.get(0).get("impact").asDouble())
        .isGreaterThanOrEqualTo(items.get(1).get("impact").asDouble());
    for (JsonNode item : items) {
      String name = item.get("name").asString();
      List<Double> sorted = durations(from, to, name);
      assertThat(item.get("type").asString()).isEqualTo("request");
      assertThat(item.get("count").asLong()).isEqualTo(sorted.size());
      double minutes = Duration.between(from, to).toMinutes();
      assertThat(item.get("rpm").asDouble()).isCloseTo(sorted.size() / minutes, within(1e-9));
      long failed =
          samples.stream()
              .filter(s -> s.name().equals(name) && !s.at().isBefore(from) && s.at().isBefore(to))
              .filter(Sample::failed)
              .count();
      assertThat(item.get("error_rate").asDouble())
          .isCloseTo((double) failed / sorted.size(), within(1e-12));
      for (double q : new double[] {0.5, 0.95, 0.99}) {
        double want = exact(sorted, q);
        assertThat(item.get("p" + Math.round(q * 100) + "_ms").asDouble())
            .isCloseTo(want, within(want * 0.01));
      }
    }
    // Filters: an environment or type with no data gives no rows.
    assertThat(
            api.get("/api/v1/apps/" + appId + "/transactions?environment=staging", owner.apiKey())
                .json()
                .at("/items")
                .size())
        .isZero();
    assertThat(
            api.get("/api/v1/apps/" + appId + "/transactions?type=job", owner.apiKey())
                .json()
                .at("/items")
                .size())
        .isZero();
  }

  @Test
  void chartsHaveZeroFilledPointsDeployMarkersAndDefaults() {
    assertThat(
            api.post(
                    "/api/v1/apps/" + appId + "/releases",
                    owner.apiKey(),
                    "{\"version\": \"v9\", \"deployed_at\": \"" + now.minusSeconds(600) + "\"}")
                .status())
        .isEqualTo(201);
    Response r = responseTime("");
    assertThat(r.text("/interval")).isEqualTo("1m");
    assertThat(r.json().at("/points").size()).isEqualTo(60);
    assertThat(r.text("/releases/0/version")).isEqualTo("v9");
    for (JsonNode p : r.json().at("/points")) {
      if (p.get("count").asLong() == 0) {
        assertThat(p.get("p50_ms").isNull()).isTrue();
      }
    }
    Response empty =
        responseTime(
            "from=" + now.plus(Duration.ofDays(1)) + "&to=" + now.plus(Duration.ofDays(2)));
    assertThat(empty.json().at("/summary/count").asLong()).isZero();
    assertThat(empty.json().at("/summary/p99_ms").isNull()).isTrue();
    assertThat(empty.text("/interval")).isEqualTo("5m");
  }

  @Test
  void refusesBadQueriesNamingTheParameter() {
    String base = "/api/v1/apps/" + appId;
    Map<String, String> bad =
        Map.of(
            base + "/metrics/response-time?from=yesterday", "from",
            base + "/metrics/response-time?to=1764151200", "to",
            base + "/metrics/response-time?interval=2m", "interval",
            base + "/metrics/response-time?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
                "from",
            base
                    + "/metrics/response-time?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z&interval=1m",
                "interval",
            base + "/transactions?limit=0", "limit",
            // Beyond what PostgreSQL stores: refused here, never a database error.
            base + "/metrics/response-time?to=%2B999999999-12-31T23:59:59Z", "to",
            base + "/transactions?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from");
    bad.forEach(
        (url, field) -> {
          Response r = api.get(url, owner.apiKey());
          assertThat(r.status()).as(url).isEqualTo(400);
          assertThat(r.text("/error")).isEqualTo("invalid_payload");
          assertThat(r.text("/details/0/field")).as(url).isEqualTo(field);
        });
  }

  @Test
  void anotherTenantSeesNothing() {
    Account stranger = api.newAccount("Other");
    String base = "/api/v1/apps/" + appId;
    assertThat(api.get(base + "/transactions", stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(base + "/metrics/response-time", stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(base + "/transactions", null).status()).isEqualTo(401);
  }
}
