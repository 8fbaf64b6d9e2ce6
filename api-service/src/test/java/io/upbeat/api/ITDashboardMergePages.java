package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Merging from the errors list (check groups, "Merge selected") and unmerging from the merged
 * group's page, as a signed-in person does it: forms with their CSRF field, a redirect to the
 * merged group, the list showing only it with the counts added up, and each unmerge giving a group
 * back its own page and counts.
 */
class ITDashboardMergePages extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private Browser browser;
  private Instant now;

  @BeforeEach
  void anAppWithErrors() {
    owner = api.newAccount("Merge Pages Org " + UUID.randomUUID());
    Response r =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}");
    assertThat(r.status()).isEqualTo(201);
    app = r.text("/id");
    browser = new Browser(port).signIn(owner);
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @Test
  void checkedGroupsMergeIntoTheBusiestAndItsPageUnmergesThem() {
    UUID small = group("java.io.IOException", "reset", 3);
    UUID big = group("java.lang.IllegalStateException", "card declined", 40);
    UUID third = group("java.lang.Error", "boom", 2);
    Document list = page("/apps/" + app + "/errors");
    assertThat(list.select("#merge-form input[name=_csrf]")).hasSize(1);
    assertThat(list.select("#merge-form").attr("action"))
        .isEqualTo("/apps/" + app + "/errors/merge");
    assertThat(list.select("#errors input[type=checkbox][name=group_ids]").eachAttr("value"))
        .containsExactlyInAnyOrder(small.toString(), big.toString(), third.toString());

    String merge = "/apps/" + app + "/errors/merge";
    HttpResponse<String> forged =
        browser.postWithoutCsrf(merge, "group_ids", small.toString(), "group_ids", big.toString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(mergedInto(small)).isNull();

    HttpResponse<String> merged =
        browser.post(
            merge,
            "group_ids",
            small.toString(),
            "group_ids",
            big.toString(),
            "group_ids",
            third.toString());
    assertThat(merged.statusCode()).isEqualTo(302);
    assertThat(merged.headers().firstValue("Location").orElseThrow())
        .endsWith("/apps/" + app + "/errors/" + big);

    Document detail = page("/apps/" + app + "/errors/" + big);
    assertThat(detail.getElementById("event-count").text()).isEqualTo("45");
    assertThat(detail.select("#merged-groups tbody tr").eachAttr("id"))
        .containsExactly("merged-" + small, "merged-" + third);
    assertThat(detail.select("#merged-" + small + " td").get(1).text()).isEqualTo("3");
    assertThat(detail.select("#merged input[name=_csrf]")).isNotEmpty();
    assertThat(page("/apps/" + app + "/errors").select("#errors tbody tr").eachAttr("id"))
        .containsExactly("group-" + big);
    Document member = page("/apps/" + app + "/errors/" + small);
    assertThat(member.select("#merged-into a").attr("href"))
        .isEqualTo("/apps/" + app + "/errors/" + big);
    assertThat(member.getElementById("event-count").text()).isEqualTo("3");

    String unmerge = detail.select("#merged-" + small + " form").attr("action");
    assertThat(unmerge).isEqualTo("/apps/" + app + "/errors/" + big + "/unmerge");
    HttpResponse<String> one = browser.post(unmerge, "group_ids", small.toString());
    assertThat(one.statusCode()).isEqualTo(302);
    Document after = page("/apps/" + app + "/errors/" + big);
    assertThat(after.getElementById("event-count").text()).isEqualTo("42");
    assertThat(after.select("#merged-groups tbody tr").eachAttr("id"))
        .containsExactly("merged-" + third);
    assertThat(page("/apps/" + app + "/errors/" + small).select("#merged-into")).isEmpty();

    assertThat(browser.post(unmerge).statusCode()).isEqualTo(302);
    Document none = page("/apps/" + app + "/errors/" + big);
    assertThat(none.getElementById("event-count").text()).isEqualTo("40");
    assertThat(none.select("#merged")).isEmpty();
    assertThat(page("/apps/" + app + "/errors").select("#errors tbody tr")).hasSize(3);
  }

  @Test
  void oneGroupIsNotAMergeAndAnotherTenantsGroupsAreNotFound() {
    UUID a = group("A", "a", 1);
    UUID b = group("B", "b", 1);
    String merge = "/apps/" + app + "/errors/merge";
    assertThat(browser.post(merge, "group_ids", a.toString()).statusCode()).isEqualTo(400);
    assertThat(browser.post(merge, "group_ids", a.toString(), "group_ids", "nope").statusCode())
        .isEqualTo(404);

    Account stranger = api.newAccount("Stranger " + UUID.randomUUID());
    Browser theirs = new Browser(port).signIn(stranger);
    assertThat(
            theirs.post(merge, "group_ids", a.toString(), "group_ids", b.toString()).statusCode())
        .isEqualTo(404);
    assertThat(
            theirs
                .post("/apps/" + app + "/errors/" + a + "/unmerge", "group_ids", b.toString())
                .statusCode())
        .isEqualTo(404);
    assertThat(mergedInto(a)).isNull();
    assertThat(mergedInto(b)).isNull();
  }

  private Document page(String path) {
    HttpResponse<String> r = browser.get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return Jsoup.parse(r.body(), "http://127.0.0.1:" + port + path);
  }

  private UUID mergedInto(UUID group) {
    return jdbc.queryForObject(
        "SELECT merged_into FROM error_groups WHERE id = ?", UUID.class, group);
  }

  private UUID group(String type, String message, long count) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
          last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        id,
        UUID.fromString(app),
        TokenDigest.sha256Hex(id.toString()),
        type,
        message,
        count,
        Timestamp.from(now.minus(1, ChronoUnit.DAYS)),
        Timestamp.from(now.minusSeconds(count)));
    return id;
  }
}
