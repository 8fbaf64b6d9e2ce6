package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.events.TokenDigest;
import io.upbeat.metrics.DurationStats;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The app overview and transaction pages over metrics rows stored as the processor stores them
 * (minute rows per transaction and the app-wide rows beside them) and error groups: figures,
 * transactions in impact order, the charts' data sources, the 10 s refresh fragment, the top
 * errors, and tenant isolation.
 */
class ITDashboardOverviewPages extends ApiIntegrationTest {
  private static final JsonMapper JSON = JsonMapper.shared();
  private static final String CHECKOUT = "POST /checkout";
  private static final String USER = "GET /users/{id}";
  private static final String HEALTH = "GET /health";

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private PageSession browser;
  private Instant now;
  private final Map<String, List<Double>> durations = new LinkedHashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();

  @BeforeEach
  void anAppWithTraffic() {
    owner = api.newAccount("Overview Org " + UUID.randomUUID());
    app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    browser = new PageSession(port).login(owner);
    for (String table : List.of("txn_metrics_1m", "txn_metrics_1h", "txn_metrics_1d")) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS " + table + "_default PARTITION OF " + table + " DEFAULT");
    }
    now = Instant.now();
  }

  /**
   * Stores transactions between 5 and 45 minutes ago: CHECKOUT few and slow (most impact), USER
   * many and fast, HEALTH many and fastest.
   */
  private void traffic() {
    Random random = new Random(7);
    Map<List<Object>, DurationStats> rows = new HashMap<>();
    record Spec(String name, int n, double base, int failed) {}
    for (Spec s :
        List.of(
            new Spec(CHECKOUT, 40, 200, 4),
            new Spec(USER, 300, 15, 3),
            new Spec(HEALTH, 120, 1, 0))) {
      List<Double> all = new ArrayList<>();
      for (int i = 0; i < s.n(); i++) {
        double ms = s.base() * Math.exp(0.5 * random.nextGaussian());
        boolean failed = i < s.failed();
        Instant minute =
            now.minus(Duration.ofMinutes(5 + random.nextInt(40))).truncatedTo(ChronoUnit.MINUTES);
        int partition = random.nextInt(3);
        for (String name : List.of(s.name(), "")) {
          rows.computeIfAbsent(List.of(name, minute, partition), k -> new DurationStats())
              .add(ms, failed);
        }
        all.add(ms);
      }
      all.sort(null);
      durations.put(s.name(), all);
      failures.put(s.name(), s.failed());
    }
    List<Object[]> args = new ArrayList<>();
    rows.forEach(
        (k, st) ->
            args.add(
                new Object[] {
                  UUID.fromString(app),
                  k.get(0),
                  Timestamp.from((Instant) k.get(1)),
                  k.get(2),
                  st.count(),
                  st.sum(),
                  st.min(),
                  st.max(),
                  st.failures(),
                  st.sketch().toBytes()
                }));
    jdbc.batchUpdate(
        """
        INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
          source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
        VALUES (?, 'production', 'request', ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        args);
    // The processor's rollup of these hours has not run: longer windows read the minute rows.
    for (Instant hour :
        List.of(
            now.truncatedTo(ChronoUnit.HOURS),
            now.truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS))) {
      jdbc.update(
          "INSERT INTO rollup_pending (level, app_id, bucket, source) VALUES ('1h', ?, ?, 0)"
              + " ON CONFLICT DO NOTHING",
          UUID.fromString(app),
          Timestamp.from(hour));
    }
  }

  private static double exact(List<Double> sorted, double q) {
    return sorted.get((int) Math.max(0, Math.ceil(q * sorted.size()) - 1));
  }

  private static double sum(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static double value(Element e) {
    return Double.parseDouble(e.attr("data-value"));
  }

  @Test
  void overviewListsTransactionsByImpactWithTheirFigures() {
    traffic();
    Document page = browser.page("/apps/" + app);

    assertThat(page.title()).contains("shop");
    assertThat(page.select("nav.range a[aria-current=true]").text()).isEqualTo("1 h");
    List<Element> rows = page.select("table#transactions tbody tr");
    assertThat(rows)
        .extracting(r -> r.selectFirst("td.name a").text())
        .containsExactly(CHECKOUT, USER, HEALTH);
    for (Element row : rows) {
      String name = row.selectFirst("td.name a").text();
      List<Double> sorted = durations.get(name);
      List<Element> cells = row.select("td");
      assertThat(cells.get(1).text()).isEqualTo(String.valueOf(sorted.size()));
      assertThat(value(cells.get(2))).isCloseTo(sorted.size() / 60.0, within(1e-9));
      assertThat(value(cells.get(3))).isCloseTo(sum(sorted) / sorted.size(), within(1e-6));
      assertThat(value(cells.get(4)))
          .isCloseTo(exact(sorted, 0.95), within(exact(sorted, 0.95) * 0.01));
      assertThat(value(cells.get(5)))
          .isCloseTo(exact(sorted, 0.99), within(exact(sorted, 0.99) * 0.01));
      assertThat(value(cells.get(6)))
          .isCloseTo((double) failures.get(name) / sorted.size(), within(1e-12));
      assertThat(value(cells.get(7))).isCloseTo(sum(sorted), within(1e-6));
      // Every column sorts in the browser; the page says it is ordered by impact.
      assertThat(page.select("table#transactions thead th[data-sort] button.sort")).hasSize(8);
      assertThat(page.selectFirst("table#transactions thead th[aria-sort=descending]").text())
          .isEqualTo("Impact");
    }
    assertThat(rows.get(0).select("td").get(6).text()).isEqualTo("10 %");

    // The summary covers every transaction of the window.
    List<Double> all = new ArrayList<>();
    durations.values().forEach(all::addAll);
    all.sort(null);
    assertThat(page.selectFirst("#summary-requests").text()).isEqualTo("460");
    assertThat(value(page.selectFirst("#summary-rpm"))).isCloseTo(460 / 60.0, within(1e-9));
    assertThat(value(page.selectFirst("#summary-p95")))
        .isCloseTo(exact(all, 0.95), within(exact(all, 0.95) * 0.01));
    assertThat(value(page.selectFirst("#summary-error-rate"))).isCloseTo(7 / 460.0, within(1e-12));
  }

  @Test
  void chartsDrawTheResponseTimeApiOfTheSelectedRange() {
    traffic();
    for (String[] range :
        List.of(
            new String[] {"1h", "1m", "PT1H"},
            new String[] {"24h", "5m", "PT24H"},
            new String[] {"7d", "1h", "PT168H"},
            new String[] {"30d", "1h", "PT720H"})) {
      Document page = browser.page("/apps/" + app + "?range=" + range[0]);
      Element responseTime = page.getElementById("response-time-chart");
      Element throughput = page.getElementById("throughput-chart");
      assertThat(responseTime).isNotNull();
      assertThat(throughput).isNotNull();
      assertThat(throughput.attr("data-kind")).isEqualTo("throughput");
      String src = responseTime.attr("data-src");
      assertThat(throughput.attr("data-src")).isEqualTo(src);
      URI uri = URI.create(src);
      assertThat(uri.getPath()).isEqualTo("/api/v1/apps/" + app + "/metrics/response-time");
      Map<String, String> q = query(uri);
      assertThat(q).containsEntry("interval", range[1]).doesNotContainKey("transaction");
      Instant from = Instant.parse(q.get("from"));
      Instant to = Instant.parse(q.get("to"));
      assertThat(Duration.between(from, to)).isEqualTo(Duration.parse(range[2]));
      assertThat(to).isBetween(now, now.plus(Duration.ofMinutes(2)));
      assertThat(page.select("nav.range a[aria-current=true]").attr("href"))
          .endsWith("range=" + range[0]);
    }
    // The browser's session may read the JSON the chart draws (an htmx-free plain GET).
    String src =
        browser.page("/apps/" + app).getElementById("response-time-chart").attr("data-src");
    HttpResponse<String> json = browser.htmxGet(src);
    assertThat(json.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(json.body());
    assertThat(body.at("/summary/count").asLong()).isEqualTo(460);
    assertThat(body.at("/interval").asString()).isEqualTo("1m");
  }

  @Test
  void theEnvironmentSelectorFiltersTheOverviewAndStaysInItsUrls() {
    traffic();
    DurationStats one = new DurationStats();
    one.add(50, false);
    jdbc.update(
        """
        INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
          source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
        VALUES (?, 'staging', 'request', 'GET /staging-only', ?, 0, ?, ?, ?, ?, ?, ?)
        """,
        UUID.fromString(app),
        Timestamp.from(now.minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MINUTES)),
        one.count(),
        one.sum(),
        one.min(),
        one.max(),
        one.failures(),
        one.sketch().toBytes());

    Document all = browser.page("/apps/" + app);
    assertThat(all.select("select#environment option").eachAttr("value"))
        .containsExactlyInAnyOrder("", "production", "staging");
    assertThat(all.select("table#transactions tbody tr")).hasSize(4);

    Document staging = browser.page("/apps/" + app + "?range=24h&environment=staging");
    assertThat(staging.select("select#environment option[selected]").attr("value"))
        .isEqualTo("staging");
    assertThat(staging.select("table#transactions tbody tr td.name a").eachText())
        .containsExactly("GET /staging-only");
    assertThat(staging.getElementById("overview-live").attr("hx-get"))
        .isEqualTo("/apps/" + app + "/overview/live?range=24h&environment=staging");
    assertThat(query(URI.create(staging.getElementById("response-time-chart").attr("data-src"))))
        .containsEntry("environment", "staging");
    for (String href : staging.select("nav.range a").eachAttr("href")) {
      assertThat(href).endsWith("&environment=staging");
    }
    assertThat(staging.select("form#environment-filter input[name=range]").attr("value"))
        .isEqualTo("24h");
    assertThat(browser.get("/apps/" + app + "?environment=a%00b").statusCode()).isEqualTo(400);
  }

  @Test
  void theTransactionPageAndTheAppNavigationKeepTheChosenEnvironment() {
    traffic();
    DurationStats staged = new DurationStats();
    for (int i = 0; i < 7; i++) {
      staged.add(900 + i, false);
    }
    jdbc.update(
        """
        INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
          source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
        VALUES (?, 'staging', 'request', ?, ?, 0, ?, ?, ?, ?, ?, ?)
        """,
        UUID.fromString(app),
        USER,
        Timestamp.from(now.minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MINUTES)),
        staged.count(),
        staged.sum(),
        staged.min(),
        staged.max(),
        staged.failures(),
        staged.sketch().toBytes());

    // From the staging overview to its transaction: the link, the figures and every URL keep it.
    Document overview = browser.page("/apps/" + app + "?environment=staging");
    String link = overview.select("table#transactions td.name a").first().attr("href");
    assertThat(query(URI.create(link)))
        .containsEntry("name", USER)
        .containsEntry("environment", "staging");
    Document page = browser.page(link);
    assertThat(page.getElementById("stat-count").text()).isEqualTo("7");
    assertThat(value(page.getElementById("stat-max"))).isEqualTo(906.0);
    assertThat(page.select("select#environment option[selected]").attr("value"))
        .isEqualTo("staging");
    assertThat(page.select("form#environment-filter input[name=name]").attr("value"))
        .isEqualTo(USER);
    assertThat(query(URI.create(page.getElementById("transaction-live").attr("hx-get"))))
        .containsEntry("environment", "staging");
    assertThat(query(URI.create(page.getElementById("response-time-chart").attr("data-src"))))
        .containsEntry("environment", "staging");
    for (String href : page.select("nav.range a").eachAttr("href")) {
      assertThat(query(URI.create(href))).containsEntry("environment", "staging");
    }
    HttpResponse<String> json =
        browser.htmxGet(page.getElementById("response-time-chart").attr("data-src"));
    assertThat(JSON.readTree(json.body()).at("/summary/count").asLong()).isEqualTo(7);
    for (String href : page.select("nav.sub a").eachAttr("href")) {
      if (!href.endsWith("/settings")) {
        assertThat(query(URI.create(href))).as(href).containsEntry("environment", "staging");
      }
    }
    // All environments again: production's 300 and staging's 7, and no environment in the URLs.
    Document all = browser.page("/apps/" + app + "/transactions?name=" + PageSession.enc(USER));
    assertThat(all.getElementById("stat-count").text()).isEqualTo("307");
    assertThat(all.select("nav.sub a").eachAttr("href")).noneMatch(h -> h.contains("environment"));
    // The releases page has the same selector.
    Document releases = browser.page("/apps/" + app + "/releases?environment=staging");
    assertThat(releases.select("select#environment option[selected]").attr("value"))
        .isEqualTo("staging");
    assertThat(
            browser
                .get("/apps/" + app + "/transactions?name=x&environment=" + "e".repeat(101))
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void theRefreshFragmentReRendersFiguresForTheSameRange() {
    Document before = browser.page("/apps/" + app + "?range=24h");
    assertThat(before.select("table#transactions")).isEmpty();
    Element live = before.getElementById("overview-live");
    assertThat(live.attr("hx-trigger")).startsWith("every 10s");
    assertThat(live.attr("hx-swap")).isEqualTo("outerHTML");
    String poll = live.attr("hx-get");
    assertThat(poll).isEqualTo("/apps/" + app + "/overview/live?range=24h");

    traffic();
    HttpResponse<String> r = browser.htmxGet(poll);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("<html").doesNotContain("<nav class=\"bar");
    Document fragment = Jsoup.parseBodyFragment(r.body());
    Element again = fragment.getElementById("overview-live");
    assertThat(again).isNotNull();
    // The fragment polls the same URL again, so the range is kept however many refreshes.
    assertThat(again.attr("hx-get")).isEqualTo(poll);
    assertThat(again.attr("hx-trigger")).isEqualTo(live.attr("hx-trigger"));
    assertThat(fragment.select("table#transactions tbody tr")).hasSize(3);
    assertThat(fragment.getElementById("response-time-chart").attr("data-src"))
        .contains("interval=5m");
  }

  @Test
  void topErrorsAreTheMostFrequentUnresolvedGroupsOfTheRange() {
    Instant hour = now.truncatedTo(ChronoUnit.HOURS);
    List<UUID> unresolved = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      unresolved.add(
          group("unresolved", i * 10, now.minusSeconds(60 * i), i == 6 ? "ann@example.com" : null));
    }
    group("resolved", 1000, now.minusSeconds(30), null);
    group("ignored", 900, now.minusSeconds(30), null);
    UUID old = group("unresolved", 5000, hour.minus(Duration.ofDays(3)), null);

    Document page = browser.page("/apps/" + app);
    List<Element> rows = page.select("#top-errors tbody tr");
    assertThat(rows).hasSize(5);
    assertThat(rows)
        .extracting(r -> r.selectFirst("a").attr("href"))
        .containsExactly(
            "/apps/" + app + "/errors/" + unresolved.get(5),
            "/apps/" + app + "/errors/" + unresolved.get(4),
            "/apps/" + app + "/errors/" + unresolved.get(3),
            "/apps/" + app + "/errors/" + unresolved.get(2),
            "/apps/" + app + "/errors/" + unresolved.get(1));
    assertThat(rows.get(0).select("td").get(1).text()).isEqualTo("60");
    assertThat(rows.get(0).select("td").get(3).text()).isEqualTo("ann@example.com");
    assertThat(rows.get(1).select("td").get(3).text()).isEqualTo("nobody");
    assertThat(rows.get(0).selectFirst("time").attr("datetime")).isNotEmpty();
    // Over 7 days the old, busier group leads.
    assertThat(
            browser
                .page("/apps/" + app + "?range=7d")
                .select("#top-errors tbody tr a")
                .first()
                .attr("href"))
        .endsWith(old.toString());
  }

  @Test
  void theTransactionPageShowsItsPercentilesAndCharts() {
    traffic();
    Document overview = browser.page("/apps/" + app);
    String link =
        overview.select("table#transactions td.name a").stream()
            .filter(a -> a.text().equals(USER))
            .findFirst()
            .orElseThrow()
            .attr("href");
    assertThat(query(URI.create(link)))
        .containsEntry("name", USER)
        .containsEntry("type", "request")
        .containsEntry("range", "1h");

    Document page = browser.page(link);
    assertThat(page.selectFirst("h1").text()).contains(USER);
    List<Double> sorted = durations.get(USER);
    assertThat(page.getElementById("stat-count").text()).isEqualTo("300");
    assertThat(value(page.getElementById("stat-avg")))
        .isCloseTo(sum(sorted) / sorted.size(), within(1e-6));
    for (String q : List.of("50", "90", "95", "99")) {
      double want = exact(sorted, Integer.parseInt(q) / 100.0);
      assertThat(value(page.getElementById("stat-p" + q)))
          .as("p" + q)
          .isCloseTo(want, within(want * 0.01));
    }
    assertThat(value(page.getElementById("stat-max"))).isEqualTo(sorted.getLast());
    assertThat(value(page.getElementById("stat-error-rate"))).isCloseTo(0.01, within(1e-12));

    Map<String, String> src =
        query(URI.create(page.getElementById("response-time-chart").attr("data-src")));
    assertThat(src)
        .containsEntry("transaction", USER)
        .containsEntry("type", "request")
        .containsEntry("interval", "1m");
    assertThat(page.getElementById("throughput-chart").attr("data-src"))
        .isEqualTo(page.getElementById("response-time-chart").attr("data-src"));
    HttpResponse<String> json =
        browser.htmxGet(page.getElementById("response-time-chart").attr("data-src"));
    assertThat(JSON.readTree(json.body()).at("/summary/count").asLong()).isEqualTo(300);

    // Its refresh fragment, and another range.
    String poll = page.getElementById("transaction-live").attr("hx-get");
    Document fragment = Jsoup.parseBodyFragment(browser.htmxGet(poll).body());
    assertThat(fragment.getElementById("stat-count").text()).isEqualTo("300");
    assertThat(query(URI.create(poll))).containsEntry("name", USER).containsEntry("range", "1h");
    Document week =
        browser.page("/apps/" + app + "/transactions?name=" + PageSession.enc(USER) + "&range=7d");
    assertThat(week.getElementById("stat-count").text()).isEqualTo("300");
    assertThat(week.getElementById("response-time-chart").attr("data-src")).contains("interval=1h");

    // A name with no data: zeros and dashes, not an error.
    Document none = browser.page("/apps/" + app + "/transactions?name=GET%20/nothing");
    assertThat(none.getElementById("stat-count").text()).isEqualTo("0");
    assertThat(none.getElementById("stat-p95").text()).isEqualTo("–");
  }

  @Test
  void theTransactionPageShowsItsSlowestSamplesWithTheirSpans() {
    jdbc.execute("CREATE TABLE IF NOT EXISTS txn_samples_default PARTITION OF txn_samples DEFAULT");
    String insert =
        "INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,"
            + " duration_ms, trace_id, result, outcome, service_version, spans) VALUES (?, ?,"
            + " 'production', 'request', ?, ?, ?, 't', 'HTTP 2xx', 'success', 'v9', ?::jsonb)";
    for (int i = 0; i < 7; i++) {
      jdbc.update(
          insert,
          UUID.randomUUID(),
          UUID.fromString(app),
          USER,
          java.sql.Timestamp.from(now.minusSeconds(60 + i)),
          10.0 + i,
          "[{\"name\":\"SELECT FROM users\",\"type\":\"db.h2.query\",\"start_ms\":2.5,"
              + "\"duration_ms\":5}]");
    }
    jdbc.update(
        insert,
        UUID.randomUUID(),
        UUID.fromString(app),
        CHECKOUT,
        java.sql.Timestamp.from(now.minusSeconds(30)),
        999.0,
        "[]");

    Document page =
        browser.page("/apps/" + app + "/transactions?name=" + PageSession.enc(USER) + "&range=1h");
    var samples = page.select("#samples details.sample");
    assertThat(samples).hasSize(5); // the slowest five of this transaction only
    assertThat(samples.get(0).selectFirst("summary strong").text()).contains("16");
    assertThat(samples.get(0).select("ol.waterfall li")).hasSize(1);
    assertThat(samples.get(0).selectFirst("ol.waterfall li").text())
        .contains("SELECT FROM users")
        .contains("db.h2.query");
    // 2.5 ms into a 16 ms transaction, 5 ms long.
    assertThat(samples.get(0).selectFirst(".span-bar").attr("style"))
        .contains("margin-left: 15.62%")
        .contains("width: 31.25%");
    assertThat(page.select("#samples").text()).doesNotContain("999");
  }

  @Test
  void anotherTenantGetsNotFoundForEveryPage() {
    traffic();
    Account stranger = api.newAccount("Stranger Org " + UUID.randomUUID());
    PageSession other = new PageSession(port).login(stranger);
    for (String path :
        List.of(
            "/apps/" + app,
            "/apps/" + app + "?range=7d",
            "/apps/" + app + "/overview/live?range=1h",
            "/apps/" + app + "/transactions?name=" + PageSession.enc(USER),
            "/apps/" + app + "/transactions/live?name=" + PageSession.enc(USER),
            "/apps/" + UUID.randomUUID(),
            "/apps/not-a-uuid")) {
      HttpResponse<String> r = other.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).doesNotContain(USER).doesNotContain("shop");
    }
    // And without a session, to the sign-in form.
    HttpResponse<String> anonymous = new PageSession(port).get("/apps/" + app);
    assertThat(anonymous.statusCode()).isEqualTo(302);
    assertThat(anonymous.headers().firstValue("Location").orElse("")).endsWith("/login");
  }

  private UUID group(String status, long count, Instant lastSeen, String assignee) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen, status, assignee_email, assignee_reason)
        VALUES (?, ?, ?, 'java.lang.IllegalStateException', ?, 'com.shop.Pay.charge', ?, ?, ?, ?, ?, ?)
        """,
        id,
        UUID.fromString(app),
        TokenDigest.sha256Hex(id.toString()),
        "boom " + count,
        count,
        Timestamp.from(lastSeen.minus(Duration.ofDays(1))),
        Timestamp.from(lastSeen),
        status,
        assignee,
        assignee == null ? null : "manual");
    jdbc.update(
        "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, ?)",
        id,
        Timestamp.from(lastSeen.truncatedTo(ChronoUnit.HOURS)),
        count);
    return id;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    if (uri.getRawQuery() == null) {
      return out;
    }
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      out.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length == 1 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return out;
  }
}
