package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.metrics.UserSketch;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The error detail's context, breakdowns and distinct users over rows written as the errors
 * pipeline writes them: the newest occurrence's request, user and tags; events per environment and
 * release summed exactly from every partition's minute rows in the window; distinct users merged
 * from every partition's hourly sketches, exact when few and estimated within 2 % when many; the
 * ignore condition in list and detail; other tenants' groups absent; hostile text passed on as
 * data.
 */
class ITErrorContext extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private ErrorRows rows;
  private Account owner;
  private String app;
  private Instant hour;

  @BeforeEach
  void anApp() {
    rows = new ErrorRows(jdbc);
    owner = api.newAccount("Context Org " + UUID.randomUUID());
    app = newApp(owner);
    hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
  }

  @Test
  void theDetailShowsTheLatestOccurrencesRequestUserAndTags() {
    UUID group = rows.group(app, 2, hour);
    rows.occurrence(
        group,
        hour.minusSeconds(600),
        "production",
        "1.0",
        "{\"request\": {\"method\": \"GET\", \"url\": \"/old\"}, \"user\": {\"id\": \"old\"}}");
    rows.occurrence(
        group,
        hour.minusSeconds(60),
        "staging",
        "1.1",
        """
        {"request": {"method": "POST", "url": "/pay?card=[Filtered]",
                     "headers": {"Accept": "application/json", "Authorization": "[Filtered]"}},
         "user": {"id": "42", "email": "ann@example.com", "name": "Ann"},
         "tags": {"region": "eu", "shard": 7}, "custom": {"x": 1}}""");

    JsonNode d = detail(group, "");
    JsonNode c = d.get("context");
    assertThat(c.at("/request/method").asString()).isEqualTo("POST");
    assertThat(c.at("/request/url").asString()).isEqualTo("/pay?card=[Filtered]");
    assertThat(c.at("/request/headers/Accept").asString()).isEqualTo("application/json");
    assertThat(c.at("/request/headers/Authorization").asString()).isEqualTo("[Filtered]");
    assertThat(c.at("/user/id").asString()).isEqualTo("42");
    assertThat(c.at("/user/email").asString()).isEqualTo("ann@example.com");
    assertThat(c.at("/user/name").asString()).isEqualTo("Ann");
    assertThat(c.get("tags").properties()).hasSize(2);
    assertThat(c.at("/tags/shard").asString()).isEqualTo("7");
    assertThat(d.at("/latest/context/custom/x").asInt()).isEqualTo(1); // the raw context stays

    // In one environment: that environment's newest occurrence.
    JsonNode production = detail(group, "?environment=production").get("context");
    assertThat(production.at("/request/url").asString()).isEqualTo("/old");
    assertThat(production.get("tags").isEmpty()).isTrue();
    assertThat(production.at("/user/email").isNull()).isTrue();

    // No context at all: request and user null, tags empty; no occurrence: context null.
    UUID bare = rows.group(app, 1, hour);
    rows.occurrence(bare, hour.minusSeconds(5), "production", null, null);
    JsonNode none = detail(bare, "").get("context");
    assertThat(none.get("request").isNull()).isTrue();
    assertThat(none.get("user").isNull()).isTrue();
    assertThat(none.get("tags").isEmpty()).isTrue();
    assertThat(detail(rows.group(app, 1, hour), "").get("context").isNull()).isTrue();
  }

  @Test
  void environmentsAndReleasesAreExactEventCountsOfTheWindowFromEveryPartition() {
    UUID group = rows.group(app, 1_000, hour);
    Instant h = hour.minus(2, ChronoUnit.HOURS);
    // Production 1.1: 300 over two partitions and two minutes; production 1.0: 7;
    // staging without a release: 5; and events outside the default 24 h window.
    rows.minute(app, group, "production", "1.1", h.plusSeconds(60), 0, 100);
    rows.minute(app, group, "production", "1.1", h.plusSeconds(60), 3, 150);
    rows.minute(app, group, "production", "1.1", h.plusSeconds(3_600), 1, 50);
    rows.minute(app, group, "production", "1.0", h.plusSeconds(120), 0, 7);
    rows.minute(app, group, "staging", null, h.plusSeconds(180), 2, 5);
    rows.minute(app, group, "production", "0.9", hour.minus(30, ChronoUnit.HOURS), 0, 600);
    UUID other = rows.group(app, 9, hour); // another group's rows count for it alone
    rows.minute(app, other, "production", "1.1", h.plusSeconds(60), 0, 9);

    JsonNode d = detail(group, "");
    assertThat(pairs(d.get("environments"), "name")).isEqualTo("production=307,staging=5");
    assertThat(pairs(d.get("releases"), "version")).isEqualTo("1.1=300,1.0=7,null=5");
    // The hourly counts cover the same hours: in one environment, and over a chosen window.
    assertThat(pairs(detail(group, "?environment=staging").get("releases"), "version"))
        .isEqualTo("null=5");
    assertThat(pairs(detail(group, "?environment=qa").get("environments"), "name")).isEmpty();
    String window =
        "?from=" + enc(hour.minus(31, ChronoUnit.HOURS)) + "&to=" + enc(h.plusSeconds(3_600));
    assertThat(pairs(detail(group, window).get("releases"), "version"))
        .isEqualTo("0.9=600,1.1=250,1.0=7,null=5");
  }

  @Test
  void distinctUsersAreMergedFromEveryPartitionAndHourExactlyWhenFew() {
    UUID group = rows.group(app, 10, hour);
    Instant h = hour.minus(3, ChronoUnit.HOURS);
    rows.users(group, "production", h, 0, ErrorRows.sketch("id:1", "id:2", "id:3"));
    rows.users(group, "production", h, 1, ErrorRows.sketch("id:2", "email:ann@example.com"));
    rows.users(group, "production", h.plusSeconds(3_600), 0, ErrorRows.sketch("id:1", "id:9"));
    rows.users(group, "staging", h, 0, ErrorRows.sketch("id:1", "id:77"));
    rows.users(group, "production", hour.minus(40, ChronoUnit.HOURS), 0, ErrorRows.sketch("id:x"));

    assertThat(detail(group, "").get("users").toString())
        .isEqualTo("{\"count\":6,\"method\":\"exact\"}");
    assertThat(detail(group, "?environment=production").at("/users/count").asLong()).isEqualTo(5);
    assertThat(detail(group, "?environment=staging").at("/users/count").asLong()).isEqualTo(2);
    String window = "?from=" + enc(h.plusSeconds(3_600)) + "&to=" + enc(hour);
    assertThat(detail(group, window).at("/users/count").asLong()).isEqualTo(2); // 1 and 9
    assertThat(detail(rows.group(app, 1, hour), "").get("users").toString())
        .isEqualTo("{\"count\":0,\"method\":\"exact\"}");
  }

  @Test
  void manyUsersAreEstimatedWithinTwoPercent() {
    UUID group = rows.group(app, 500_000, hour);
    // 60,000 users over 4 partitions and 3 hours, each user in several rows.
    for (int p = 0; p < 4; p++) {
      for (int hr = 1; hr <= 3; hr++) {
        UserSketch s = new UserSketch();
        for (int i = 0; i < 60_000; i++) {
          if ((i + p + hr) % 3 != 0) {
            s.add("id:user-" + i);
          }
        }
        rows.users(group, "production", hour.minus(hr, ChronoUnit.HOURS), p, s);
      }
    }
    JsonNode users = detail(group, "").get("users");
    assertThat(users.get("method").asString()).isEqualTo("hll");
    assertThat((double) users.get("count").asLong())
        .isCloseTo(60_000, org.assertj.core.data.Percentage.withPercentage(2));
  }

  @Test
  void theIgnoreConditionReadsBackInListAndDetailAsGiven() {
    UUID group = rows.group(app, 40, hour);
    assertThat(detail(group, "").get("ignore_until").isNull()).isTrue();

    patch(group, "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 100}}");
    JsonNode byCount = detail(group, "").get("ignore_until");
    assertThat(byCount.get("count").asLong()).isEqualTo(100);
    assertThat(byCount.get("until_count").asLong()).isEqualTo(140);
    assertThat(byCount.has("minutes")).isFalse();
    assertThat(byCount.has("ignored_at")).isTrue();
    jdbc.update("UPDATE error_groups SET count = 70 WHERE id = ?", group); // 30 events later
    JsonNode item = listItem("?status=ignored", group);
    assertThat(item.at("/ignore_until/count").asLong()).isEqualTo(70);

    patch(group, "{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": 90}}");
    JsonNode byTime = detail(group, "").get("ignore_until");
    assertThat(byTime.get("minutes").asLong()).isEqualTo(90);
    assertThat(
            java.time.Duration.between(
                Instant.parse(byTime.get("ignored_at").asString()),
                Instant.parse(byTime.get("until").asString())))
        .isBetween(
            java.time.Duration.ofMinutes(90).minusSeconds(1), java.time.Duration.ofMinutes(90));
    assertThat(byTime.has("count")).isFalse();

    patch(group, "{\"status\": \"ignored\", \"ignore_until\": {\"next_release\": true}}");
    assertThat(detail(group, "").get("ignore_until").get("next_release").asBoolean()).isTrue();
    Response ignored = patch(group, "{\"status\": \"ignored\"}");
    assertThat(ignored.json().get("ignore_until").isNull()).isTrue();
    patch(group, "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 5}}");
    Response reopened = patch(group, "{\"status\": \"unresolved\"}");
    assertThat(reopened.json().get("ignore_until").isNull()).isTrue();
    assertThat(listItem("?status=unresolved", group).get("ignore_until").isNull()).isTrue();
  }

  @Test
  void anotherTenantsGroupIsNotFound() {
    UUID group = rows.group(app, 3, hour);
    rows.occurrence(group, hour, "production", null, "{\"user\": {\"id\": \"secret-user\"}}");
    rows.users(group, "production", hour, 0, ErrorRows.sketch("id:secret-user"));
    Account stranger = api.newAccount("Stranger Org " + UUID.randomUUID());
    String theirs = newApp(stranger);
    for (Response r :
        new Response[] {
          api.get(errors(app) + "/" + group, stranger.apiKey()),
          api.get(errors(theirs) + "/" + group, stranger.apiKey()),
          api.get(errors(theirs) + "/" + group + "?environment=production", stranger.apiKey())
        }) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.text("/error")).isEqualTo("not_found");
      assertThat(r.body()).doesNotContain("secret-user");
    }
  }

  @Test
  void hostileTextInTheContextIsPassedOnAsData() {
    UUID group = rows.group(app, 1, hour);
    String big = "x".repeat(100_000);
    rows.occurrence(
        group,
        hour,
        "production",
        null,
        """
        {"request": {"method": "<b>GET</b>", "url": "/\\uFFFD\\"quote", "headers": {"X-Evil": "<script>alert(1)</script>"}},
         "user": {"id": "1'; DROP TABLE users; --"},
         "tags": {"<img src=x onerror=alert(1)>": "\\uFFFD", "big": "%s"}}"""
            .formatted(big));
    Response r = api.get(errors(app) + "/" + group, owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    JsonNode c = r.json().get("context");
    assertThat(c.at("/request/headers/X-Evil").asString()).isEqualTo("<script>alert(1)</script>");
    assertThat(c.at("/request/url").asString()).isEqualTo("/\uFFFD\"quote");
    assertThat(c.at("/user/id").asString()).isEqualTo("1'; DROP TABLE users; --");
    assertThat(c.get("tags").get("<img src=x onerror=alert(1)>").asString()).isNotEmpty();
    assertThat(c.at("/tags/big").asString()).hasSize(100_000);
    // A NUL in the environment parameter is a 400 naming it.
    Response nul = api.get(errors(app) + "/" + group + "?environment=a%00b", owner.apiKey());
    assertThat(nul.status()).isEqualTo(400);
    assertThat(nul.body()).contains("environment");
  }

  // --- helpers -------------------------------------------------------------------------------

  private String newApp(Account account) {
    Response r =
        api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"shop-" + UUID.randomUUID() + "\"}");
    assertThat(r.status()).isEqualTo(201);
    return r.text("/id");
  }

  private static String errors(String app) {
    return "/api/v1/apps/" + app + "/errors";
  }

  private JsonNode detail(UUID group, String query) {
    Response r = api.get(errors(app) + "/" + group + query, owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private JsonNode listItem(String query, UUID group) {
    Response r = api.get(errors(app) + query, owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    for (JsonNode item : r.json().get("items")) {
      if (item.get("id").asString().equals(group.toString())) {
        return item;
      }
    }
    throw new AssertionError(group + " not in " + r.body());
  }

  private Response patch(UUID group, String body) {
    Response r = api.patch(errors(app) + "/" + group, owner.apiKey(), body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r;
  }

  /** {@code name=count,...} in the answer's order. */
  private static String pairs(JsonNode items, String key) {
    StringBuilder out = new StringBuilder();
    for (JsonNode i : items) {
      if (!out.isEmpty()) {
        out.append(',');
      }
      out.append(i.get(key).isNull() ? "null" : i.get(key).asString())
          .append('=')
          .append(i.get("count").asLong());
    }
    return out.toString();
  }

  private static String enc(Object s) {
    return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
  }
}
