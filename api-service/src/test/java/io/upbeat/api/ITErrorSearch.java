package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Error search ({@code ?query=}) and the {@code environment} filters of the errors API, and the
 * environments endpoint, over rows written the way the processor writes them.
 */
class ITErrorSearch extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private Instant now;

  @BeforeEach
  void anApp() {
    owner = api.newAccount("Search Org " + UUID.randomUUID());
    app = newApp(owner, "shop-" + UUID.randomUUID());
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @Test
  void freeWordsMatchTypeMessageAndCulpritCaseInsensitivelyAndAllMustMatch() {
    UUID npe = group(app, "java.lang.NullPointerException", "user is null", "com.shop.Cart.add");
    UUID card = group(app, "CardDeclined", "Card DECLINED by bank", "com.shop.Pay.charge");
    group(app, "java.io.IOException", "reset", "com.shop.Net.read");

    assertThat(ids("nullpointer")).containsExactly(npe);
    assertThat(ids("declined")).containsExactly(card);
    assertThat(ids("PAY.CHARGE")).containsExactly(card);
    assertThat(ids("shop cart")).containsExactly(npe);
    assertThat(ids("shop")).hasSize(3);
    assertThat(ids("shop nothing-like-this")).isEmpty();
    assertThat(ids("\"user is null\"")).containsExactly(npe);
    // A word never matches across two fields.
    assertThat(ids("\"null com\"")).isEmpty();
  }

  @Test
  void likeMetacharactersMatchThemselves() {
    UUID percent = group(app, "Quota", "100% used", null);
    UUID underscore = group(app, "Config", "missing db_url", null);
    UUID backslash = group(app, "Path", "bad C:\\temp\\x", null);
    group(app, "Other", "100 used, dbXurl, C:temp", null);

    assertThat(ids("%")).containsExactly(percent);
    assertThat(ids("100%")).containsExactly(percent);
    assertThat(ids("db_url")).containsExactly(underscore);
    assertThat(ids("_")).containsExactly(underscore);
    assertThat(ids("\"c:\\temp\"")).containsExactly(backslash);
    assertThat(ids("\\")).containsExactly(backslash);
  }

  @Test
  void eachTerm() {
    UUID a = group(app, "A", "a", null);
    UUID b = group(app, "B", "b", null);
    jdbc.update(
        "UPDATE error_groups SET status = 'resolved', assignee_email = ?, first_release = '1.0',"
            + " last_release = '1.1' WHERE id = ?",
        owner.email(),
        a);
    jdbc.update(
        "UPDATE error_groups SET status = 'ignored', assignee_email = 'dev@example.com',"
            + " first_release = '2.0', last_release = '2.0' WHERE id = ?",
        b);
    UUID c = group(app, "C", "c", null);
    occurrence(
        c, "staging", "3.0", "{\"user\": {\"id\": \"42\"}, \"tags\": {\"region\": \"eu west\"}}");
    occurrence(a, "production", "1.0", "{\"user\": {\"id\": 7}, \"tags\": {\"region\": \"us\"}}");

    assertThat(ids("is:resolved")).containsExactly(a);
    assertThat(ids("is:ignored")).containsExactly(b);
    assertThat(ids("is:unresolved")).containsExactly(c);
    assertThat(ids("assigned:me")).containsExactly(a);
    assertThat(ids("assigned:DEV@example.com")).containsExactly(b);
    assertThat(ids("assigned:none")).containsExactly(c);
    assertThat(ids("release:1.1")).containsExactly(a);
    assertThat(ids("release:3.0")).containsExactly(c);
    assertThat(ids("first-release:1.0")).containsExactly(a);
    assertThat(ids("first-release:1.1")).isEmpty();
    assertThat(ids("environment:staging")).containsExactly(c);
    assertThat(ids("environment:production")).containsExactly(a);
    assertThat(ids("user:42")).containsExactly(c);
    assertThat(ids("user:7")).containsExactly(a);
    assertThat(ids("tag.region:\"eu west\"")).containsExactly(c);
    assertThat(ids("tag.region:us")).containsExactly(a);
    assertThat(ids("tag.region:eu")).isEmpty();
    assertThat(ids("tag.other:us")).isEmpty();
  }

  @Test
  void termsCombineWithWordsParametersAndCursorPages() {
    List<UUID> matching = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      UUID g = group(app, "TimeoutException", "call " + i + " timed out", null);
      occurrence(g, "production", "1.0", null);
      matching.add(g);
    }
    UUID staging = group(app, "TimeoutException", "staging timed out", null);
    occurrence(staging, "staging", "1.0", null);
    UUID resolved = group(app, "TimeoutException", "old timed out", null);
    occurrence(resolved, "production", "1.0", null);
    jdbc.update("UPDATE error_groups SET status = 'resolved' WHERE id = ?", resolved);

    List<UUID> inProduction = new ArrayList<>(matching);
    inProduction.add(resolved);
    assertThat(ids("timed environment:production"))
        .containsExactlyInAnyOrderElementsOf(inProduction);
    assertThat(idsOf(list("?query=" + enc("timed environment:production"))))
        .containsExactlyInAnyOrderElementsOf(matching);
    assertThat(ids("timed environment:production is:resolved")).containsExactly(resolved);
    Response withParam = list("?environment=staging&query=" + enc("timeout"));
    assertThat(idsOf(withParam)).containsExactly(staging);
    assertThat(idsOf(list("?status=resolved&query=" + enc("timed")))).containsExactly(resolved);

    // Pages of two, sorted by count, keep the search.
    List<UUID> seen = new ArrayList<>();
    String cursor = null;
    do {
      Response r =
          list(
              "?limit=2&sort=count&query="
                  + enc("timed environment:production")
                  + (cursor == null ? "" : "&cursor=" + enc(cursor)));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      seen.addAll(idsOf(r));
      cursor = r.json().path("next_cursor").isNull() ? null : r.text("/next_cursor");
    } while (cursor != null);
    assertThat(seen).containsExactlyInAnyOrderElementsOf(matching);
  }

  @Test
  void environmentParameterFiltersListLatestAndOccurrences() {
    UUID g = group(app, "E", "e", null);
    occurrence(g, "production", "1.0", null);
    occurrence(g, "staging", "1.0", null);
    UUID onlyProd = group(app, "P", "p", null);
    occurrence(onlyProd, "production", "1.0", null);

    assertThat(idsOf(list("?environment=staging"))).containsExactly(g);
    assertThat(idsOf(list("?environment=nowhere"))).isEmpty();
    Response occ = api.get(errors() + "/" + g + "/occurrences?environment=staging", owner.apiKey());
    assertThat(occ.status()).as(occ.body()).isEqualTo(200);
    assertThat(occ.json().path("items")).hasSize(1);
    assertThat(occ.text("/items/0/environment")).isEqualTo("staging");
    Response detail = api.get(errors() + "/" + g + "?environment=staging", owner.apiKey());
    assertThat(detail.text("/latest/environment")).isEqualTo("staging");
    Response none = api.get(errors() + "/" + onlyProd + "?environment=staging", owner.apiKey());
    assertThat(none.json().path("latest").isNull()).isTrue();
    assertThat(list("?environment=" + enc("a\u0000b")).status()).isEqualTo(400);
  }

  @Test
  void badTermsAre400NamingThem() {
    for (String q :
        List.of(
            "is:open",
            "assigned:someone",
            "colour:red",
            "tag.:x",
            "release:",
            "http://example.com",
            "tag.region:\"eu west",
            "x".repeat(1001))) {
      Response r = list("?query=" + enc(q));
      assertThat(r.status()).as(q).isEqualTo(400);
      assertThat(r.text("/error")).isEqualTo("invalid_payload");
      assertThat(r.text("/details/0/field")).isEqualTo("query");
      if (q.length() < 100 && !q.endsWith("west")) {
        assertThat(r.text("/details/0/problem")).as(q).contains(q);
      }
    }
  }

  @Test
  void hostileQueriesAreRefusedOrAnsweredNever5xx() {
    group(app, "A", "a", null);
    String thousandTerms = "is:resolved ".repeat(1000);
    for (String q :
        List.of(
            "a\u0000b",
            "x".repeat(100_000),
            "\uD800",
            "a \uDC00 b",
            thousandTerms,
            "tag.x:" + "y".repeat(300),
            "' OR 1=1 --",
            "\"\"",
            "😀 a")) {
      Response r = list("?query=" + enc(q));
      assertThat(r.status()).as(r.body()).isIn(200, 400);
    }
    assertThat(list("?query=" + enc("a\u0000b")).status()).isEqualTo(400);
    assertThat(list("?query=" + enc(thousandTerms)).status()).isEqualTo(400);
    assertThat(list("?query=" + enc("' OR 1=1 --")).status()).isEqualTo(200);
    assertThat(idsOf(list("?query=" + enc("' OR 1=1 --")))).isEmpty();
  }

  @Test
  void anotherTenantsGroupsNeverMatch() {
    Account stranger = api.newAccount("Other Org " + UUID.randomUUID());
    String theirApp = newApp(stranger, "theirs-" + UUID.randomUUID());
    UUID theirs = group(theirApp, "SecretException", "secret", null);
    occurrence(theirs, "production", "1.0", "{\"user\": {\"id\": \"1\"}}");
    UUID mine = group(app, "MineException", "mine", null);

    assertThat(ids("secret")).isEmpty();
    assertThat(ids("user:1")).isEmpty();
    assertThat(ids("exception")).containsExactly(mine);
    Response r = api.get("/api/v1/apps/" + app + "/errors?query=secret", stranger.apiKey());
    assertThat(r.status()).isEqualTo(404);
  }

  @Test
  void environmentsListsWhatWasSeenMostRecentFirstForMembersOnly() {
    UUID g = group(app, "E", "e", null);
    jdbc.update(
        "INSERT INTO error_occurrences (group_id, occurred_at, environment, exception)"
            + " VALUES (?, ?, 'staging', '{}'::jsonb)",
        g,
        Timestamp.from(now.minus(1, ChronoUnit.HOURS)));
    Response posted =
        api.post(
            "/api/v1/apps/" + app + "/releases",
            owner.apiKey(),
            "{\"version\": \"1.0\", \"environment\": \"production\", \"deployed_at\": \"%s\"}"
                .formatted(now));
    assertThat(posted.status()).as(posted.body()).isEqualTo(201);

    Response r = api.get("/api/v1/apps/" + app + "/environments", owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("items").findValuesAsString("name"))
        .containsExactly("production", "staging");
    assertThat(Instant.parse(r.text("/items/1/last_seen")))
        .isEqualTo(now.minus(1, ChronoUnit.HOURS));

    Account member = api.newAccount("Member Org " + UUID.randomUUID());
    Teams.join(api, owner, member, "member");
    assertThat(api.get("/api/v1/apps/" + app + "/environments", member.apiKey()).status())
        .isEqualTo(200);
    Account stranger = api.newAccount("Stranger Org " + UUID.randomUUID());
    assertThat(api.get("/api/v1/apps/" + app + "/environments", stranger.apiKey()).status())
        .isEqualTo(404);
    String empty = newApp(owner, "empty-" + UUID.randomUUID());
    assertThat(
            api.get("/api/v1/apps/" + empty + "/environments", owner.apiKey()).json().path("items"))
        .isEmpty();
  }

  @Test
  void theErrorsPageHasTheSearchBoxAndEnvironmentSelectorKeptInTheUrl() {
    UUID staging = group(app, "CardDeclined", "card declined in staging", null);
    occurrence(staging, "staging", "1.0", null);
    UUID production = group(app, "CardDeclined", "card declined in production", null);
    occurrence(production, "production", "1.0", null);
    group(app, "Other", "other", null);
    PageSession browser = new PageSession(port).login(owner);

    Document all = browser.page("/apps/" + app + "/errors");
    assertThat(all.select("form#error-search input[name=query]").attr("value")).isEmpty();
    assertThat(all.select("select#environment option").eachAttr("value"))
        .containsExactlyInAnyOrder("", "production", "staging");
    assertThat(all.select("select#environment option[selected]").attr("value")).isEmpty();
    assertThat(all.select("#errors tbody tr")).hasSize(3);

    Document found =
        browser.page(
            "/apps/"
                + app
                + "/errors?query="
                + PageSession.enc("Declined")
                + "&environment=staging");
    assertThat(found.select("#errors tbody tr").eachAttr("id")).containsExactly("group-" + staging);
    assertThat(found.select("form#error-search input[name=query]").attr("value"))
        .isEqualTo("Declined");
    assertThat(found.select("select#environment option[selected]").attr("value"))
        .isEqualTo("staging");
    for (String href : found.select("#status-filter a").eachAttr("href")) {
      assertThat(href).contains("query=Declined").contains("environment=staging");
    }

    Document unknownEnvironment = browser.page("/apps/" + app + "/errors?environment=qa");
    assertThat(unknownEnvironment.select("select#environment option[selected]").attr("value"))
        .isEqualTo("qa");
    assertThat(unknownEnvironment.select("#errors tbody tr")).isEmpty();

    HttpResponse<String> bad =
        browser.get("/apps/" + app + "/errors?query=" + PageSession.enc("colour:red"));
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  // --- helpers ------------------------------------------------------------------------------

  private List<UUID> ids(String query) {
    Response r = list("?status=all&limit=100&query=" + enc(query));
    assertThat(r.status()).as(query + ": " + r.body()).isEqualTo(200);
    return idsOf(r);
  }

  private static List<UUID> idsOf(Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<UUID> ids = new ArrayList<>();
    for (JsonNode item : r.json().path("items")) {
      ids.add(UUID.fromString(item.path("id").asString()));
    }
    return ids;
  }

  private Response list(String query) {
    return api.get(errors() + query, owner.apiKey());
  }

  private String errors() {
    return "/api/v1/apps/" + app + "/errors";
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private String newApp(Account account, String name) {
    Response r =
        api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"%s\"}".formatted(name));
    assertThat(r.status()).isEqualTo(201);
    return r.text("/id");
  }

  private UUID group(String appId, String type, String message, String culprit) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        id,
        UUID.fromString(appId),
        TokenDigest.sha256Hex(id.toString()),
        type,
        message,
        culprit,
        1 + (long) (Math.random() * 1000),
        Timestamp.from(now.minus(2, ChronoUnit.DAYS)),
        Timestamp.from(now.minus((long) (Math.random() * 1000), ChronoUnit.SECONDS)));
    return id;
  }

  private void occurrence(UUID group, String environment, String release, String context) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, environment, release, exception,
          context)
        VALUES (?, ?, ?, ?, '{}'::jsonb, ?::jsonb)
        """,
        group,
        Timestamp.from(now.minus(5, ChronoUnit.MINUTES)),
        environment,
        release,
        context);
  }
}
