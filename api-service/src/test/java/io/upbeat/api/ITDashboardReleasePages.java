package io.upbeat.api;

import static io.upbeat.api.ITDashboardAccountPages.assertNotFoundPage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.metrics.DurationStats;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The release pages through HTTP: the list with commit and new-error counts, and one release with
 * its commits, its new error groups and the p95 in the hour before and after the deploy, computed
 * from metric rows stored as the processor stores them; another tenant gets the HTML 404 page.
 */
class ITDashboardReleasePages extends ApiIntegrationTest {
  private static final String SHA_1 = "9fceb02d0ae598e95dc970b74767f19372d61af8";
  private static final String SHA_2 = "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e";

  @Autowired JdbcTemplate jdbc;

  private Account alice;
  private String appId;
  private Instant deployedAt;

  @BeforeEach
  void release() {
    alice = api.newAccount("Release Org");
    appId =
        api.post("/api/v1/orgs/" + alice.orgId() + "/apps", alice.apiKey(), "{\"name\": \"r\"}")
            .text("/id");
    // Not on an hour, so both windows mix partial hours (read from minute rows).
    deployedAt =
        Instant.now()
            .truncatedTo(ChronoUnit.HOURS)
            .minus(Duration.ofHours(3))
            .plus(Duration.ofMinutes(17))
            .plusSeconds(25);
    String body =
        """
        {"version": "2026.11.26-3", "deployed_at": "%s", "deployer": "alice@example.com",
         "commits": [
           {"sha": "%s", "author_name": "Alice", "author_email": "alice@example.com",
            "timestamp": "2026-11-26T09:40:00Z", "message": "Cache user lookups\\n\\nMuch faster.",
            "files": [{"path": "src/main/java/com/shop/UserService.java", "change": "modified",
                       "lines": [[40, 48], [52, 52]]}]},
           {"sha": "%s", "author_name": "Bob", "author_email": "bob@example.com",
            "message": "Add checkout", "files": [{"path": "src/Checkout.java", "change": "added"}]}
         ]}
        """
            .formatted(deployedAt, SHA_1, SHA_2);
    assertThat(api.post("/api/v1/apps/" + appId + "/releases", alice.apiKey(), body).status())
        .isEqualTo(201);
    api.post(
        "/api/v1/apps/" + appId + "/releases",
        alice.apiKey(),
        "{\"version\": \"2026.11.25-1\", \"environment\": \"staging\", \"deployed_at\": \""
            + deployedAt.minus(Duration.ofDays(1))
            + "\"}");
    jdbc.update(
        "INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,"
            + " first_seen, last_seen, first_release, last_release)"
            + " VALUES (?, ?::uuid, ?, 'java.lang.NullPointerException', 'user is null',"
            + " 'com.shop.UserService.find', 3, ?, ?, '2026.11.26-3', '2026.11.26-3')",
        UUID.randomUUID(),
        appId,
        "f".repeat(64),
        Timestamp.from(deployedAt.plusSeconds(60)),
        Timestamp.from(deployedAt.plusSeconds(120)));
  }

  /** One minute row per window: 100 durations before (10..109 ms), 100 after (20..218 ms). */
  private void storeMetrics() {
    for (String table : List.of("txn_metrics_1m", "txn_metrics_1h", "txn_metrics_1d")) {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS " + table + "_default PARTITION OF " + table + " DEFAULT");
    }
    Instant deployMinute = deployedAt.truncatedTo(ChronoUnit.MINUTES);
    DurationStats before = new DurationStats();
    DurationStats after = new DurationStats();
    DurationStats outside = new DurationStats();
    for (int i = 0; i < 100; i++) {
      before.add(10 + i, false);
      after.add(20 + 2 * i, false);
      outside.add(10_000, false);
    }
    insertMinute(deployMinute.minus(Duration.ofMinutes(40)), before, "production");
    insertMinute(deployMinute, after, "production"); // the deploy's own minute counts as after
    insertMinute(deployMinute.minus(Duration.ofMinutes(61)), outside, "production");
    insertMinute(deployMinute.plus(Duration.ofMinutes(60)), outside, "production");
    insertMinute(deployMinute.plus(Duration.ofMinutes(5)), outside, "staging");
  }

  private void insertMinute(Instant minute, DurationStats s, String environment) {
    jdbc.update(
        "INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,"
            + " source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)"
            + " VALUES (?::uuid, ?, 'request', '', ?, 0, ?, ?, ?, ?, ?, ?)",
        appId,
        environment,
        Timestamp.from(minute),
        s.count(),
        s.sum(),
        s.min(),
        s.max(),
        s.failures(),
        s.sketch().toBytes());
  }

  @Test
  void theListShowsEachReleaseWithItsCounts() {
    Browser browser = new Browser(port).signIn(alice);
    HttpResponse<String> list = browser.get("/apps/" + appId + "/releases");
    assertThat(list.statusCode()).isEqualTo(200);
    String html = list.body();
    assertThat(html)
        .contains("href=\"/apps/" + appId + "/releases/2026.11.26-3?environment=production\"")
        .contains("href=\"/apps/" + appId + "/releases/2026.11.25-1?environment=staging\"")
        .contains("alice@example.com");
    assertThat(html.indexOf("2026.11.26-3")).isLessThan(html.indexOf("2026.11.25-1"));
    assertThat(html).containsPattern("class=\"num commits\">2<");
    assertThat(html).containsPattern("class=\"num new-errors bad\">1<");

    HttpResponse<String> staging = browser.get("/apps/" + appId + "/releases?environment=staging");
    assertThat(staging.body()).contains("2026.11.25-1").doesNotContain(">2026.11.26-3<");
  }

  @Test
  void aReleaseShowsItsCommitsNewErrorsAndTheP95BeforeAndAfterTheDeploy() {
    storeMetrics();
    Browser browser = new Browser(port).signIn(alice);
    HttpResponse<String> page =
        browser.get("/apps/" + appId + "/releases/2026.11.26-3?environment=production");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    String html = page.body();
    assertThat(html)
        .contains(SHA_1.substring(0, 10))
        .contains(SHA_2.substring(0, 10))
        .contains("Cache user lookups")
        .contains("Much faster.")
        .contains("Alice")
        .contains("&lt;alice@example.com&gt;")
        .contains("src/main/java/com/shop/UserService.java")
        .contains("lines 40-48, 52")
        .contains("src/Checkout.java")
        .contains("java.lang.NullPointerException")
        .contains("user is null")
        .contains("/apps/" + appId + "/errors/");
    assertThat(html.indexOf(SHA_1.substring(0, 10)))
        .isLessThan(html.indexOf(SHA_2.substring(0, 10)));

    // p95 by nearest rank: the 95th of 10..109 is 104, of 20, 22, .. 218 it is 208 (sketch: 1 %).
    double before = Double.parseDouble(Browser.dataValueOf(html, "p95-before"));
    double after = Double.parseDouble(Browser.dataValueOf(html, "p95-after"));
    double change = Double.parseDouble(Browser.dataValueOf(html, "p95-change"));
    assertThat(before).isCloseTo(104, within(1.04));
    assertThat(after).isCloseTo(208, within(2.08));
    assertThat(change).isCloseTo((after - before) / before * 100, within(1e-9));
    assertThat(change).isCloseTo(100, within(3.0));
    assertThat(html).contains("100 transactions").containsPattern("\\+\\d+(\\.|,)\\d %");
    assertThat(html).contains("data-src=\"/api/v1/apps/" + appId + "/metrics/response-time?");

    HttpResponse<String> staging =
        browser.get("/apps/" + appId + "/releases/2026.11.25-1?environment=staging");
    assertThat(staging.statusCode()).isEqualTo(200);
    assertThat(staging.body())
        .contains("CI posted no commits")
        .contains("no data")
        .doesNotContain("data-value=\"100");
  }

  @Test
  void anotherTenantAndUnknownReleasesGetTheHtmlNotFoundPage() {
    Browser owner = new Browser(port).signIn(alice);
    assertNotFoundPage(owner.get("/apps/" + appId + "/releases/no-such-version"));
    assertNotFoundPage(owner.get("/apps/" + appId + "/releases/2026.11.26-3?environment=qa"));

    Browser other = new Browser(port).signIn(api.newAccount("Mallory Releases"));
    assertNotFoundPage(other.get("/apps/" + appId + "/releases"));
    HttpResponse<String> detail = other.get("/apps/" + appId + "/releases/2026.11.26-3");
    assertNotFoundPage(detail);
    assertThat(detail.body()).doesNotContain("Cache user lookups").doesNotContain(SHA_1);
    assertThat(detail.body()).contains("The app was not found.");
  }
}
