package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The errors list and error detail pages over groups stored as the processor stores them: status
 * filter and cursor pages, the stack trace with in-app frames highlighted and its cause chain, the
 * suspect commit, htmx status and assignee changes (with CSRF, checked through the JSON API), and
 * tenant isolation.
 */
class ITDashboardErrorPages extends ApiIntegrationTest {
  private static final String SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8";
  private static final String EXCEPTION =
      """
      {"type":"java.lang.IllegalStateException","message":"card declined","stacktrace":[\
      {"module":"com.shop.pay.Charge","function":"charge","filename":"Charge.java","path":"src/main/java/com/shop/pay/Charge.java","lineno":42,"in_app":true},\
      {"module":"org.springframework.web.servlet.FrameworkServlet","function":"service","filename":"FrameworkServlet.java","lineno":7,"in_app":false},\
      {"module":"com.shop.web.PayController","function":"pay","filename":"PayController.java","lineno":19,"in_app":true},\
      {"module":"java.lang.Thread","function":"run","filename":"Thread.java","lineno":1583,"in_app":false}],\
      "cause":{"type":"java.io.IOException","message":"connection reset","stacktrace":[\
      {"module":"sun.nio.ch.NioSocketImpl","function":"implRead","lineno":323,"in_app":false}],\
      "cause":{"type":"java.net.SocketException","message":"<script>alert(1)</script>","stacktrace":[]}}}""";

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private String invited;
  private PageSession browser;
  private Instant now;

  @BeforeEach
  void anAppWithErrors() {
    owner = api.newAccount("Error Pages Org " + UUID.randomUUID());
    app = newApp(owner, "shop");
    invited = "dev-" + UUID.randomUUID() + "@example.com";
    Response invite =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(invited));
    assertThat(invite.status()).isEqualTo(201);
    browser = new PageSession(port).login(owner);
    now = Instant.now();
  }

  // --- list ---------------------------------------------------------------------------------

  @Test
  void theListFiltersByStatusAndLinksEachGroupToItsDetail() {
    UUID open =
        group(app)
            .message("card declined")
            .count(1234)
            .lastSeen(now.minusSeconds(90))
            .assignee("ann@example.com", "ownership")
            .insert();
    UUID older =
        group(app).type("java.lang.NullPointerException").lastSeen(now.minusSeconds(600)).insert();
    UUID resolved = group(app).status("resolved").type("java.io.IOException").insert();
    UUID ignored = group(app).status("ignored").insert();

    Document page = browser.page("/apps/" + app + "/errors");
    assertThat(rowIds(page)).containsExactly(open, older);
    assertThat(page.select("#status-filter a[aria-current=true]").text()).isEqualTo("Unresolved");
    Element row = page.getElementById("group-" + open);
    assertThat(row.selectFirst("a.error-type").text()).isEqualTo("java.lang.IllegalStateException");
    assertThat(row.selectFirst("a.error-type").attr("href"))
        .isEqualTo("/apps/" + app + "/errors/" + open);
    assertThat(row.text()).contains("card declined").contains("com.shop.Pay.charge");
    assertThat(row.select("td").get(1).text()).isEqualTo("1,234");
    assertThat(row.select("td").get(2).text()).isEqualTo("1 min ago");
    assertThat(row.select("td").get(3).text()).isEqualTo("ann@example.com");
    assertThat(page.getElementById("group-" + older).select("td").get(3).text())
        .isEqualTo("nobody");
    assertThat(page.getElementById("older")).isNull();

    assertThat(rowIds(browser.page("/apps/" + app + "/errors?status=unresolved")))
        .containsExactly(open, older);
    assertThat(rowIds(browser.page("/apps/" + app + "/errors?status=resolved")))
        .containsExactly(resolved);
    assertThat(rowIds(browser.page("/apps/" + app + "/errors?status=ignored")))
        .containsExactly(ignored);
    Document all = browser.page("/apps/" + app + "/errors?status=all");
    assertThat(rowIds(all)).containsExactlyInAnyOrder(open, older, resolved, ignored);
    assertThat(all.getElementById("group-" + resolved).text()).contains("resolved");

    HttpResponse<String> bad = browser.get("/apps/" + app + "/errors?status=bogus");
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  @Test
  void olderLinksWalkTheListWithTheApiCursor() {
    Set<UUID> created = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      created.add(group(app).lastSeen(now.minusSeconds(60L * i)).insert());
    }
    group(app).status("resolved").insert();

    Document first = browser.page("/apps/" + app + "/errors");
    List<UUID> seen = new ArrayList<>(rowIds(first));
    assertThat(seen).hasSize(25);
    Element older = first.getElementById("older");
    assertThat(older).isNotNull();
    assertThat(older.attr("href")).contains("status=unresolved").contains("cursor=");

    Document second = browser.page(older.attr("href"));
    seen.addAll(rowIds(second));
    assertThat(seen).hasSize(30).doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(created);
    assertThat(second.getElementById("older")).isNull();
    assertThat(second.select("nav.pager a").first().text()).isEqualTo("Newest");

    assertThat(browser.get("/apps/" + app + "/errors?cursor=not-ours").statusCode()).isEqualTo(400);
  }

  // --- detail --------------------------------------------------------------------------------

  @Test
  void theDetailShowsTheStackWithInAppFramesTheCauseChainAndTheSuspectCommit() {
    postRelease();
    UUID id =
        group(app)
            .assignee(
                "alice@example.com",
                "commit 9fceb02 by alice@example.com changed Charge.java lines 40-48; frame Charge.charge:42")
            .insert();
    jdbc.update(
        """
        UPDATE error_groups SET suspect_sha = ?, suspect_author_email = 'alice@example.com',
          suspect_message = 'Cache card lookups', suspect_path = 'src/main/java/com/shop/pay/Charge.java',
          suspect_lines = '[[40, 48], [60, 60]]'::jsonb, suspect_frame = 'com.shop.pay.Charge.charge:42',
          suspect_release = '1.2'
        WHERE id = ?
        """,
        SHA,
        id);
    Instant hour = now.truncatedTo(ChronoUnit.HOURS);
    hourly(id, hour, 3);
    hourly(id, hour.minus(5, ChronoUnit.HOURS), 4);
    hourly(id, hour.minus(3, ChronoUnit.DAYS), 50);
    occurrence(id, now.minusSeconds(3600), "GET /old", "1.1", "{\"type\":\"X\",\"stacktrace\":[]}");
    occurrence(id, now.minusSeconds(60), "POST /pay", "1.2", EXCEPTION);

    Document page = browser.page("/apps/" + app + "/errors/" + id);
    assertThat(page.getElementById("error-type").text())
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(page.getElementById("error-message").text()).isEqualTo("boom");

    // The latest occurrence's stack: in-app frames highlighted, library frames dimmed, in order.
    Element stack = page.getElementById("stacktrace");
    List<Element> frames = stack.select(".exception").first().select("ol.frames li");
    assertThat(frames)
        .extracting(Element::text)
        .containsExactly(
            "at com.shop.pay.Charge.charge(Charge.java:42)",
            "at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:7)",
            "at com.shop.web.PayController.pay(PayController.java:19)",
            "at java.lang.Thread.run(Thread.java:1583)");
    assertThat(frames)
        .extracting(Element::className)
        .containsExactly("in-app", "library", "in-app", "library");
    assertThat(stack.select("li.in-app")).hasSize(2);
    // The cause chain, escaped.
    assertThat(stack.select(".exception h3"))
        .extracting(Element::text)
        .containsExactly(
            "java.lang.IllegalStateException: card declined",
            "Caused by: java.io.IOException: connection reset",
            "Caused by: java.net.SocketException: <script>alert(1)</script>");
    assertThat(page.select("script:containsData(alert(1))")).isEmpty();
    assertThat(stack.select(".exception").get(1).select("li.library")).hasSize(1);

    // The suspect commit, with the files it changed in that release, and why it was assigned.
    Element suspect = page.getElementById("suspect-commit");
    assertThat(suspect.selectFirst("code.sha").text()).isEqualTo("9fceb02");
    assertThat(suspect.selectFirst("code.sha").attr("title")).isEqualTo(SHA);
    assertThat(suspect.selectFirst(".author").text()).isEqualTo("alice@example.com");
    assertThat(suspect.selectFirst(".commit-message").text()).isEqualTo("Cache card lookups");
    assertThat(suspect.text())
        .contains("src/main/java/com/shop/pay/Charge.java")
        .contains("lines 40–48, 60")
        .contains("in release 1.2");
    assertThat(suspect.select("ul.files li code"))
        .extracting(Element::text)
        .containsExactly(
            "src/main/java/com/shop/pay/Charge.java", "src/main/java/com/shop/pay/Refund.java");
    assertThat(page.getElementById("assignee").text()).isEqualTo("alice@example.com");
    assertThat(page.getElementById("assignment-reason").text())
        .contains("commit 9fceb02 by alice@example.com changed Charge.java lines 40-48");
    assertThat(page.getElementById("status").text()).isEqualTo("unresolved");

    // Hourly counts: the last 24 hours by default, 7 days on request; the chart reads the API.
    assertThat(page.select("#hourly-total b").text()).isEqualTo("7");
    Element chart = page.getElementById("hourly-chart");
    assertThat(chart.attr("data-kind")).isEqualTo("hourly");
    URI src = URI.create(chart.attr("data-src"));
    assertThat(src.getPath()).isEqualTo("/api/v1/apps/" + app + "/errors/" + id);
    HttpResponse<String> json = browser.htmxGet(chart.attr("data-src"));
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.body()).contains("\"hourly\"");
    assertThat(
            tools.jackson.databind.json.JsonMapper.shared()
                .readTree(json.body())
                .at("/hourly")
                .size())
        .isEqualTo(24);
    assertThat(
            browser
                .page("/apps/" + app + "/errors/" + id + "?range=7d")
                .select("#hourly-total b")
                .text())
        .isEqualTo("57");

    // The latest occurrences, newest first.
    List<Element> rows = page.select("table#occurrences tbody tr");
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).select("td").get(1).text()).isEqualTo("POST /pay");
    assertThat(rows.get(0).select("td").get(2).text()).isEqualTo("1.2");
    assertThat(rows.get(1).select("td").get(1).text()).isEqualTo("GET /old");
  }

  @Test
  void aGroupWithoutOccurrencesOrSuspectStillHasAPage() {
    UUID id = group(app).insert();
    Document page = browser.page("/apps/" + app + "/errors/" + id);
    assertThat(page.getElementById("suspect-commit").text()).contains("No suspect commit");
    assertThat(page.getElementById("stacktrace").select("li")).isEmpty();
    assertThat(page.getElementById("assignee").text()).isEqualTo("nobody");
    assertThat(page.getElementById("resolve")).isNotNull();
    assertThat(page.getElementById("ignore")).isNotNull();
    assertThat(page.getElementById("reopen")).isNull();
  }

  @Test
  void theDetailShowsTheRequestUserTagsBreakdownsAndUsersEscapingHostileText() {
    ErrorRows rows = new ErrorRows(jdbc);
    Instant hour = now.truncatedTo(ChronoUnit.HOURS);
    UUID id = rows.group(app, 12, now.minusSeconds(60));
    rows.occurrence(
        id,
        now.minusSeconds(60),
        "production",
        "1.2",
        """
        {"request": {"method": "POST", "url": "/pay?q=<script>alert('u')</script>",
                     "headers": {"Accept": "text/html", "X-Evil": "<script>alert(1)</script>"}},
         "user": {"id": "42", "email": "ann@example.com", "name": "<b>Ann</b>"},
         "tags": {"region": "eu", "<img src=x onerror=alert(2)>": "\\" onmouseover=\\"alert(3)"}}""");
    rows.minute(app, id, "production", "1.2", hour.minus(1, ChronoUnit.HOURS), 0, 9);
    rows.minute(app, id, "production", null, hour.minus(2, ChronoUnit.HOURS), 1, 1);
    rows.minute(app, id, "staging", "1.2", hour.minus(2, ChronoUnit.HOURS), 0, 2);
    rows.users(
        id, "production", hour.minus(1, ChronoUnit.HOURS), 0, ErrorRows.sketch("id:42", "id:7"));
    rows.users(id, "staging", hour.minus(2, ChronoUnit.HOURS), 1, ErrorRows.sketch("id:42"));

    Document page = browser.page("/apps/" + app + "/errors/" + id);
    assertThat(page.getElementById("request-method").text()).isEqualTo("POST");
    assertThat(page.getElementById("request-url").text())
        .isEqualTo("/pay?q=<script>alert('u')</script>");
    List<String> headers = new ArrayList<>();
    page.select("#request-headers tbody tr")
        .forEach(tr -> headers.add(tr.child(0).text() + ": " + tr.child(1).text()));
    assertThat(headers).containsExactly("Accept: text/html", "X-Evil: <script>alert(1)</script>");
    assertThat(page.getElementById("user-id").text()).isEqualTo("42");
    assertThat(page.getElementById("user-email").text()).isEqualTo("ann@example.com");
    assertThat(page.getElementById("user-name").text()).isEqualTo("<b>Ann</b>");
    List<String> tags = new ArrayList<>();
    page.select("#tags tbody tr")
        .forEach(tr -> tags.add(tr.child(0).text() + "=" + tr.child(1).text()));
    assertThat(tags)
        .containsExactly("region=eu", "<img src=x onerror=alert(2)>=\" onmouseover=\"alert(3)");
    // Hostile strings are text, never markup.
    assertThat(page.getElementById("context").select("script, img, b, [onmouseover]")).isEmpty();
    assertThat(page.getElementById("users-affected").text()).isEqualTo("2 users affected");
    List<String> environments = new ArrayList<>();
    page.select("#environments tbody tr")
        .forEach(tr -> environments.add(tr.child(0).text() + "=" + tr.child(1).text()));
    assertThat(environments).containsExactly("production=10", "staging=2");
    List<String> releases = new ArrayList<>();
    page.select("#releases tbody tr")
        .forEach(tr -> releases.add(tr.child(0).text() + "=" + tr.child(1).text()));
    assertThat(releases).containsExactly("1.2=11", "(none)=1");

    // A group whose latest occurrence has no context says so.
    UUID bare = rows.group(app, 1, now);
    rows.occurrence(bare, now.minusSeconds(5), "production", null, null);
    Document barePage = browser.page("/apps/" + app + "/errors/" + bare);
    assertThat(barePage.getElementById("context").text()).contains("has no request, user or tags");
    assertThat(barePage.getElementById("users-affected").text()).isEqualTo("0 users affected");
  }

  @Test
  void anIgnoredGroupSaysUntilWhen() {
    UUID id = group(app).count(40).insert();
    String path = "/api/v1/apps/" + app + "/errors/" + id;
    String[][] cases = {
      {"{\"count\": 100}", "until 100 more events"},
      {"{\"count\": 1}", "until 1 more event"},
      {"{\"next_release\": true}", "until the next release"},
    };
    for (String[] c : cases) {
      Response r =
          api.patch(
              path, owner.apiKey(), "{\"status\": \"ignored\", \"ignore_until\": " + c[0] + "}");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      Document page = browser.page("/apps/" + app + "/errors/" + id);
      assertThat(page.getElementById("status").text()).isEqualTo("ignored");
      assertThat(page.getElementById("ignore-until").text()).isEqualTo(c[1]);
    }
    Response r =
        api.patch(
            path, owner.apiKey(), "{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": 60}}");
    Instant until = Instant.parse(r.json().at("/ignore_until/until").asString());
    Element when = browser.page("/apps/" + app + "/errors/" + id).getElementById("ignore-until");
    assertThat(when.text()).startsWith("until ").endsWith(" UTC");
    assertThat(Instant.parse(when.selectFirst("time").attr("datetime"))).isEqualTo(until);
    api.patch(path, owner.apiKey(), "{\"status\": \"ignored\"}");
    assertThat(browser.page("/apps/" + app + "/errors/" + id).getElementById("ignore-until"))
        .isNull();
  }

  // --- actions -------------------------------------------------------------------------------

  @Test
  void resolvingWithHtmxChangesTheStatusAndNeedsTheCsrfHeader() {
    UUID id = group(app).insert();
    Document page = browser.page("/apps/" + app + "/errors/" + id);
    Element resolve = page.getElementById("resolve");
    String url = resolve.attr("hx-patch");
    assertThat(url).isEqualTo("/apps/" + app + "/errors/" + id);
    assertThat(resolve.attr("hx-vals")).isEqualTo("{\"status\": \"resolved\"}");
    assertThat(resolve.attr("hx-target")).isEqualTo("#triage");

    // Without the header the browser's request is refused, and nothing changes.
    HttpResponse<String> refused = browser.htmx("PATCH", url, "status=resolved", false);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(status(id)).isEqualTo("unresolved");

    HttpResponse<String> ok = browser.htmx("PATCH", url, "status=resolved", true);
    assertThat(ok.statusCode()).isEqualTo(200);
    Document fragment = Jsoup.parseBodyFragment(ok.body());
    assertThat(ok.body()).doesNotContain("<html");
    assertThat(fragment.getElementById("triage")).isNotNull();
    assertThat(fragment.getElementById("status").text()).isEqualTo("resolved");
    assertThat(fragment.getElementById("resolve")).isNull();
    assertThat(fragment.getElementById("reopen")).isNotNull();

    Response viaApi = api.get("/api/v1/apps/" + app + "/errors/" + id, owner.apiKey());
    assertThat(viaApi.text("/status")).isEqualTo("resolved");
    assertThat(viaApi.json().at("/resolved_at").isNull()).isFalse();
    assertThat(browser.page("/apps/" + app + "/errors/" + id).getElementById("status").text())
        .isEqualTo("resolved");

    // Ignore, then reopen.
    assertThat(
            Jsoup.parseBodyFragment(browser.htmx("PATCH", url, "status=ignored", true).body())
                .getElementById("status")
                .text())
        .isEqualTo("ignored");
    assertThat(
            api.get("/api/v1/apps/" + app + "/errors/" + id, owner.apiKey())
                .json()
                .at("/resolved_at")
                .isNull())
        .isTrue();
    HttpResponse<String> reopened = browser.htmx("PATCH", url, "status=unresolved", true);
    assertThat(Jsoup.parseBodyFragment(reopened.body()).getElementById("status").text())
        .isEqualTo("unresolved");
    assertThat(status(id)).isEqualTo("unresolved");

    assertThat(browser.htmx("PATCH", url, "status=bogus", true).statusCode()).isEqualTo(400);
    assertThat(browser.htmx("PATCH", url, "", true).statusCode()).isEqualTo(400);
    assertThat(status(id)).isEqualTo("unresolved");
  }

  @Test
  void assigningOffersTheOrgsPeopleAndIsAManualAssignment() {
    UUID id = group(app).assignee("Carol@Example.com", "ownership").insert();
    Document page = browser.page("/apps/" + app + "/errors/" + id);
    Element select = page.getElementById("assign-to");
    assertThat(select.tagName()).isEqualTo("select");
    assertThat(page.select("label[for=assign-to]")).hasSize(1);
    assertThat(select.select("option"))
        .extracting(o -> o.attr("value"))
        .containsExactly("", owner.email(), invited, "carol@example.com");
    assertThat(select.selectFirst("option[selected]").attr("value")).isEqualTo("carol@example.com");
    Element form = page.getElementById("assign").closest("form");
    String url = form.attr("hx-patch");

    String body = "assignee_email=" + PageSession.enc(invited);
    assertThat(browser.htmx("PATCH", url, body, false).statusCode()).isEqualTo(403);
    HttpResponse<String> ok = browser.htmx("PATCH", url, body, true);
    assertThat(ok.statusCode()).isEqualTo(200);
    Document fragment = Jsoup.parseBodyFragment(ok.body());
    assertThat(fragment.getElementById("assignee").text()).isEqualTo(invited);
    assertThat(fragment.getElementById("assignment-reason").text())
        .isEqualTo("Assigned by a person.");
    Response viaApi = api.get("/api/v1/apps/" + app + "/errors/" + id, owner.apiKey());
    assertThat(viaApi.text("/assignee/email")).isEqualTo(invited);
    assertThat(viaApi.text("/assignee/reason")).isEqualTo("manual");
    assertThat(viaApi.text("/status")).isEqualTo("unresolved");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM notifications WHERE group_id = ? AND kind = 'assigned'",
                Long.class,
                id))
        .isEqualTo(1);

    // "Nobody" unassigns, and it stays a person's decision.
    HttpResponse<String> none = browser.htmx("PATCH", url, "assignee_email=", true);
    assertThat(Jsoup.parseBodyFragment(none.body()).getElementById("assignee").text())
        .isEqualTo("nobody");
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT assignee_email, assignee_reason FROM error_groups WHERE id = ?", id);
    assertThat(row.get("assignee_email")).isNull();
    assertThat(row.get("assignee_reason")).isEqualTo("manual");

    HttpResponse<String> bad = browser.htmx("PATCH", url, "assignee_email=not-an-email", true);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("assignee_email");
  }

  // --- isolation -----------------------------------------------------------------------------

  @Test
  void anotherTenantGetsNotFoundAndChangesNothing() {
    UUID mine = group(app).message("secret message").insert();
    occurrence(mine, now.minusSeconds(60), "POST /pay", "1.2", EXCEPTION);
    UUID otherAppsGroup = group(newApp(owner, "other")).insert();
    Account stranger = api.newAccount("Stranger Org " + UUID.randomUUID());
    String strangersApp = newApp(stranger, "theirs");
    UUID theirs = group(strangersApp).insert();
    PageSession other = new PageSession(port).login(stranger);
    other.page("/apps/" + strangersApp + "/errors"); // their own pages work (and set the token)

    List<String> reads =
        List.of(
            "/apps/" + app + "/errors",
            "/apps/" + app + "/errors?status=all",
            "/apps/" + app + "/errors/" + mine,
            // The first user's group under the stranger's own app id.
            "/apps/" + strangersApp + "/errors/" + mine,
            "/apps/" + strangersApp + "/errors/not-a-uuid");
    for (String path : reads) {
      HttpResponse<String> r = other.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).doesNotContain("secret message").doesNotContain("card declined");
    }
    for (String path :
        List.of("/apps/" + app + "/errors/" + mine, "/apps/" + strangersApp + "/errors/" + mine)) {
      for (String form :
          List.of("status=resolved", "assignee_email=" + PageSession.enc(stranger.email()))) {
        HttpResponse<String> r = other.htmx("PATCH", path, form, true);
        assertThat(r.statusCode()).as(path + " " + form).isEqualTo(404);
      }
    }
    // The owner's own other app does not reach this group either.
    browser.page("/apps/" + app + "/errors");
    assertThat(browser.get("/apps/" + app + "/errors/" + otherAppsGroup).statusCode())
        .isEqualTo(404);
    assertThat(
            browser
                .htmx(
                    "PATCH", "/apps/" + app + "/errors/" + otherAppsGroup, "status=resolved", true)
                .statusCode())
        .isEqualTo(404);

    Map<String, Object> row =
        jdbc.queryForMap("SELECT status, assignee_email FROM error_groups WHERE id = ?", mine);
    assertThat(row.get("status")).isEqualTo("unresolved");
    assertThat(row.get("assignee_email")).isNull();
    assertThat(status(otherAppsGroup)).isEqualTo("unresolved");
    assertThat(status(theirs)).isEqualTo("unresolved");
    // The stranger's own group is theirs to change.
    assertThat(
            other
                .htmx(
                    "PATCH", "/apps/" + strangersApp + "/errors/" + theirs, "status=resolved", true)
                .statusCode())
        .isEqualTo(200);
  }

  // --- helpers -------------------------------------------------------------------------------

  private String newApp(Account account, String name) {
    Response r =
        api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"%s\"}".formatted(name));
    assertThat(r.status()).isEqualTo(201);
    return r.text("/id");
  }

  private static List<UUID> rowIds(Document page) {
    return page.select("table#errors tbody tr").stream()
        .map(tr -> UUID.fromString(tr.id().substring("group-".length())))
        .toList();
  }

  private String status(UUID group) {
    return jdbc.queryForObject("SELECT status FROM error_groups WHERE id = ?", String.class, group);
  }

  private void postRelease() {
    Response r =
        api.post(
            "/api/v1/apps/" + app + "/releases",
            owner.apiKey(),
            """
            {"version": "1.2", "deployed_at": "%s", "commits": [{"sha": "%s",
              "author_name": "Alice", "author_email": "alice@example.com",
              "message": "Cache card lookups", "files": [
                {"path": "src/main/java/com/shop/pay/Refund.java", "change": "added"},
                {"path": "src/main/java/com/shop/pay/Charge.java", "lines": [[40, 48], [60, 60]]}]}]}
            """
                .formatted(now.minus(Duration.ofHours(2)), SHA));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  private void hourly(UUID group, Instant hour, long count) {
    jdbc.update(
        "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, ?)",
        group,
        Timestamp.from(hour),
        count);
  }

  private void occurrence(
      UUID group, Instant at, String transaction, String release, String exception) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment, release,
          transaction_name, message, exception)
        VALUES (?, ?, ?, 'production', ?, ?, 'card declined', ?::jsonb)
        """,
        group,
        Timestamp.from(at),
        UUID.randomUUID().toString(),
        release,
        transaction,
        exception);
  }

  private GroupRow group(String appId) {
    return new GroupRow(UUID.fromString(appId));
  }

  /** An error_groups row as the processor would write it. */
  private final class GroupRow {
    private final UUID appId;
    private String type = "java.lang.IllegalStateException";
    private String message = "boom";
    private long count = 1;
    private Instant lastSeen = now.minus(10, ChronoUnit.MINUTES);
    private String status = "unresolved";
    private String assigneeEmail;
    private String assigneeReason;

    GroupRow(UUID appId) {
      this.appId = appId;
    }

    GroupRow type(String v) {
      type = v;
      return this;
    }

    GroupRow message(String v) {
      message = v;
      return this;
    }

    GroupRow count(long v) {
      count = v;
      return this;
    }

    GroupRow lastSeen(Instant v) {
      lastSeen = v;
      return this;
    }

    GroupRow status(String v) {
      status = v;
      return this;
    }

    GroupRow assignee(String email, String reason) {
      assigneeEmail = email;
      assigneeReason = reason;
      return this;
    }

    UUID insert() {
      UUID id = UUID.randomUUID();
      jdbc.update(
          """
          INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
            first_seen, last_seen, first_release, last_release, status, assignee_email,
            assignee_reason)
          VALUES (?, ?, ?, ?, ?, 'com.shop.Pay.charge', ?, ?, ?, '1.0', '1.2', ?, ?, ?)
          """,
          id,
          appId,
          TokenDigest.sha256Hex(id.toString()),
          type,
          message,
          count,
          Timestamp.from(lastSeen.minus(Duration.ofDays(2))),
          Timestamp.from(lastSeen),
          status,
          assigneeEmail,
          assigneeReason);
      return id;
    }
  }
}
