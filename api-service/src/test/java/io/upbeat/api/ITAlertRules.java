package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.metrics.DurationStats;
import io.upbeat.storage.notify.AlertPayload;
import io.upbeat.storage.notify.NotificationOutbox;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code /api/v1/apps/{app_id}/alert-rules}: CRUD by owners (audited), reading by members, nothing
 * for strangers; every bad field named in a 400; new apps' default rules; the 7-day preview over
 * known minute data; and an alert's delivery to the rule's own recipients.
 */
class ITAlertRules extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String appId;
  private String rules;

  @BeforeEach
  void app() {
    owner = api.newAccount("Alert Org");
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    rules = "/api/v1/apps/" + appId + "/alert-rules";
  }

  private String latency(String name, double threshold) {
    return """
        {"name": "%s", "environment": "production",
         "condition": {"kind": "latency", "statistic": "p95", "threshold_ms": %s, "for_minutes": 3,
                       "transaction": "GET /users/{id}"},
         "actions": [{"kind": "email", "to": ["%s"]}], "cooldown_minutes": 30}
        """
        .formatted(name, threshold, owner.email().toUpperCase());
  }

  @Test
  void newAppsHaveTheDefaultRules() {
    Response list = api.get(rules, owner.apiKey());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().get("items").findValuesAsString("kind"))
        .containsExactly("new_error", "regression");
    assertThat(list.text("/items/0/is_default")).isEqualTo("true");
    assertThat(list.text("/items/0/state")).isEqualTo("ok");
    assertThat(list.json().get("items").get(0).get("actions").size()).isZero();
  }

  @Test
  void ownersChangeMembersReadStrangersSeeNothing() {
    Response created = api.post(rules, owner.apiKey(), latency("Slow users", 500));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.text("/id");
    assertThat(created.text("/condition/kind")).isEqualTo("latency");
    assertThat(created.text("/condition/statistic")).isEqualTo("p95");
    assertThat(created.text("/condition/threshold_ms")).isEqualTo("500.0");
    assertThat(created.text("/condition/transaction")).isEqualTo("GET /users/{id}");
    assertThat(created.text("/actions/0/to/0")).isEqualTo(owner.email().toLowerCase());
    assertThat(created.text("/environment")).isEqualTo("production");
    assertThat(created.text("/cooldown_minutes")).isEqualTo("30");
    assertThat(created.text("/state")).isEqualTo("ok");
    String one = rules + "/" + id;
    assertThat(api.get(one, owner.apiKey()).body()).isEqualTo(created.body());

    Response patched =
        api.patch(
            one,
            owner.apiKey(),
            "{\"name\": \"Slower users\", \"environment\": null,"
                + " \"condition\": {\"kind\": \"error_rate\", \"threshold_percent\": 5,"
                + " \"for_minutes\": 2, \"min_requests\": 20}}");
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.text("/name")).isEqualTo("Slower users");
    assertThat(patched.json().get("environment").isNull()).isTrue();
    assertThat(patched.text("/condition/kind")).isEqualTo("error_rate");
    assertThat(patched.text("/condition/min_requests")).isEqualTo("20");
    assertThat(patched.text("/actions/0/kind")).isEqualTo("email");
    assertThat(patched.text("/cooldown_minutes")).isEqualTo("30");
    assertThat(api.get(one + "/events", owner.apiKey()).body()).isEqualTo("{\"items\":[]}");

    Account member = api.newAccount("Member Org");
    Teams.join(api, owner, member, "member");
    assertThat(api.get(one, member.apiKey()).status()).isEqualTo(200);
    assertThat(api.get(rules, member.apiKey()).json().get("items").size()).isEqualTo(3);
    assertThat(api.get(one + "/events", member.apiKey()).status()).isEqualTo(200);
    for (Response r :
        List.of(
            api.post(rules, member.apiKey(), latency("x", 1)),
            api.patch(one, member.apiKey(), "{\"name\": \"mine\"}"),
            api.delete(one, member.apiKey()))) {
      assertThat(r.status()).as(r.body()).isEqualTo(403);
      assertThat(r.text("/error")).isEqualTo("forbidden");
    }

    Account stranger = api.newAccount("Other Org");
    for (Response r :
        List.of(
            api.get(rules, stranger.apiKey()),
            api.get(one, stranger.apiKey()),
            api.get(one + "/events", stranger.apiKey()),
            api.post(rules, stranger.apiKey(), latency("x", 1)),
            api.post(rules + "/preview", stranger.apiKey(), latency("x", 1)),
            api.patch(one, stranger.apiKey(), "{\"name\": \"mine\"}"),
            api.delete(one, stranger.apiKey()))) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
    }
    // The stranger's own app does not reach this app's rule either.
    String theirs =
        api.post(
                "/api/v1/orgs/" + stranger.orgId() + "/apps",
                stranger.apiKey(),
                "{\"name\": \"theirs\"}")
            .text("/id");
    assertThat(api.get("/api/v1/apps/" + theirs + "/alert-rules/" + id, stranger.apiKey()).status())
        .isEqualTo(404);

    assertThat(api.delete(one, owner.apiKey()).status()).isEqualTo(204);
    assertThat(api.get(one, owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.delete(one, owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(rules + "/not-an-id", owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/audit", owner.apiKey()).body())
        .contains("\"action\":\"alert_rule.created\"")
        .contains("\"action\":\"alert_rule.changed\"")
        .contains("\"action\":\"alert_rule.deleted\"")
        .contains("shop: Slower users");
  }

  @Test
  void badFieldsAreNamed() {
    String ok =
        "{\"name\": \"n\", \"condition\": {\"kind\": \"throughput_below\", \"rpm\": 10,"
            + " \"for_minutes\": 5}}";
    assertThat(api.post(rules, owner.apiKey(), ok).status()).isEqualTo(201);
    invalid("{\"condition\": {\"kind\": \"new_error\"}}", "name");
    invalid("{\"name\": \"n\"}", "condition");
    invalid("{\"name\": \"n\", \"condition\": {\"kind\": \"cpu\"}}", "condition.kind");
    invalid("{\"name\": \"n\", \"condition\": {}}", "condition.kind");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"latency\", \"statistic\": \"p42\","
            + " \"threshold_ms\": 0, \"for_minutes\": 1441, \"transaction\": \""
            + "t".repeat(1025)
            + "\"}}",
        "condition.statistic",
        "condition.threshold_ms",
        "condition.for_minutes",
        "condition.transaction");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"error_count\", \"threshold\": -1,"
            + " \"window_minutes\": 0}}",
        "condition.threshold",
        "condition.window_minutes");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"error_count\", \"threshold\": \"5\","
            + " \"window_minutes\": 5.5}}",
        "condition.threshold",
        "condition.window_minutes");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"error_count\", \"threshold\": 5,"
            + " \"window_minutes\": 5, \"group_id\": \""
            + UUID.randomUUID()
            + "\"}}",
        "condition.group_id");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"error_rate\", \"threshold_percent\": 101,"
            + " \"for_minutes\": 1, \"min_requests\": 0}}",
        "condition.threshold_percent",
        "condition.min_requests");
    invalid(
        "{\"name\": \"n\", \"condition\": {\"kind\": \"throughput_below\", \"rpm\": 0,"
            + " \"for_minutes\": 0}}",
        "condition.rpm",
        "condition.for_minutes");
    invalid(ok.replace("\"n\"", "\"nul\\u0000\""), "name");
    invalid(ok.replace("\"n\"", "\"lone\\ud800\""), "name");
    invalid(ok.replace("\"n\"", "\"" + "x".repeat(201) + "\""), "name");
    invalid(ok.replace("\"n\"", "\"" + "x".repeat(100_000) + "\""), "name");
    invalid(ok.replace("\"n\"", "\"   \""), "name");
    invalid(ok.replace("{\"name\"", "{\"environment\": \"\", \"name\""), "environment");
    invalid(ok.replace("{\"name\"", "{\"cooldown_minutes\": -1, \"name\""), "cooldown_minutes");
    // E-mail only to members of the app's org; webhooks only of this app.
    Account stranger = api.newAccount("Stranger Org");
    invalid(
        ok.replace(
            "{\"name\"",
            "{\"actions\": [{\"kind\": \"email\", \"to\": [\""
                + stranger.email()
                + "\"]}], \"name\""),
        "actions.to");
    invalid(
        ok.replace(
            "{\"name\"", "{\"actions\": [{\"kind\": \"email\", \"to\": [\"no\"]}], \"name\""),
        "actions[0].to[0]");
    invalid(
        ok.replace("{\"name\"", "{\"actions\": [{\"kind\": \"sms\"}], \"name\""),
        "actions[0].kind");
    String theirApp =
        api.post(
                "/api/v1/orgs/" + stranger.orgId() + "/apps",
                stranger.apiKey(),
                "{\"name\": \"theirs\"}")
            .text("/id");
    // Their app's webhook (inserted as the webhooks API would: no DNS in tests).
    UUID hook = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO webhooks (id, app_id, url, events) VALUES (?, ?, 'https://hooks.example.com/x',"
            + " '{new_error}')",
        hook,
        UUID.fromString(theirApp));
    invalid(
        ok.replace(
            "{\"name\"",
            "{\"actions\": [{\"kind\": \"webhook\", \"webhook_id\": \"" + hook + "\"}], \"name\""),
        "actions.webhook_id");
    Response notObject = api.post(rules, owner.apiKey(), "[]");
    assertThat(notObject.status()).isEqualTo(400);
    assertThat(api.post(rules, owner.apiKey(), "{\"name\": ").status()).isEqualTo(400);
    String someRule = api.get(rules, owner.apiKey()).text("/items/0/id");
    Response badPatch =
        api.patch(rules + "/" + someRule, owner.apiKey(), "{\"condition\": {\"kind\": \"x\"}}");
    assertThat(badPatch.status()).isEqualTo(400);
    assertThat(badPatch.text("/details/0/field")).isEqualTo("condition.kind");
    assertThat(api.get(rules + "/" + someRule + "/events?limit=0", owner.apiKey()).status())
        .isEqualTo(400);
  }

  private void invalid(String body, String... fields) {
    Response r = api.post(rules, owner.apiKey(), body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.text("/error")).isEqualTo("invalid_payload");
    assertThat(r.json().get("details").findValuesAsString("field")).contains(fields);
  }

  @Test
  void previewReplaysTheLastSevenDays() {
    for (String t : List.of("txn_metrics_1m", "error_counts_1m")) {
      jdbc.execute("CREATE TABLE IF NOT EXISTS " + t + "_default PARTITION OF " + t + " DEFAULT");
    }
    UUID app = UUID.fromString(appId);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(3));
    // 20 minutes of traffic: avg 50 ms, except minutes 5..9 (5 slow minutes) and 14..15 (2).
    for (int i = 0; i < 20; i++) {
      boolean slow = (i >= 5 && i <= 9) || (i >= 14 && i <= 15);
      DurationStats s = new DurationStats();
      for (int k = 0; k < 10; k++) {
        s.add(slow ? 800 : 50, false);
      }
      jdbc.update(
          """
          INSERT INTO txn_metrics_1m (app_id, environment, txn_type, txn_name, bucket,
            source_partition, count, sum_ms, min_ms, max_ms, failures, sketch)
          VALUES (?, 'production', 'request', '', ?, 0, ?, ?, ?, ?, 0, ?)
          """,
          app,
          Timestamp.from(base.plus(Duration.ofMinutes(i))),
          s.count(),
          s.sum(),
          s.min(),
          s.max(),
          s.sketch().toBytes());
    }
    String body =
        "{\"condition\": {\"kind\": \"latency\", \"statistic\": \"avg\", \"threshold_ms\": 200,"
            + " \"for_minutes\": 3}}";
    Response r = api.post(rules + "/preview", owner.apiKey(), body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    // Fires once (after minute 7, the third slow one), resolves after minute 10; 14..15 is short.
    assertThat(r.text("/fired")).isEqualTo("1");
    assertThat(r.json().get("events").findValuesAsString("state"))
        .containsExactly("firing", "resolved");
    assertThat(r.text("/events/0/at")).isEqualTo(base.plus(Duration.ofMinutes(8)).toString());
    assertThat(r.text("/events/0/value")).isEqualTo("800.0");
    assertThat(r.text("/events/1/at")).isEqualTo(base.plus(Duration.ofMinutes(11)).toString());
    // Members may preview (it changes nothing).
    Account member = api.newAccount("Preview Member Org");
    Teams.join(api, owner, member, "member");
    assertThat(api.post(rules + "/preview", member.apiKey(), body).text("/fired")).isEqualTo("1");
    // new_error: one firing per group first seen in the 7 days (in the rule's environment, that
    // of the group's first minute); an older group and a staging one do not count.
    Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    List<Object[]> groups =
        List.of(
            new Object[] {now.minus(Duration.ofHours(2)), "production"},
            new Object[] {now.minus(Duration.ofDays(2)), "production"},
            new Object[] {now.minus(Duration.ofDays(3)), "staging"},
            new Object[] {now.minus(Duration.ofDays(9)), "production"});
    for (Object[] g : groups) {
      UUID id = UUID.randomUUID();
      jdbc.update(
          """
          INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
            last_seen, first_release)
          VALUES (?, ?, encode(sha256(convert_to(?::text, 'UTF8')), 'hex'), 'E', 'boom', 1, ?, ?,
            '7.1')
          """,
          id,
          app,
          id.toString(),
          Timestamp.from((Instant) g[0]),
          Timestamp.from((Instant) g[0]));
      jdbc.update(
          """
          INSERT INTO error_counts_1m (app_id, group_id, environment, release, bucket,
            source_partition, count) VALUES (?, ?, ?, '7.1', ?, 0, 1)
          """,
          app,
          id,
          g[1],
          Timestamp.from((Instant) g[0]));
    }
    Response newErrors =
        api.post(
            rules + "/preview",
            owner.apiKey(),
            "{\"environment\": \"production\", \"condition\": {\"kind\": \"new_error\"}}");
    assertThat(newErrors.status()).as(newErrors.body()).isEqualTo(200);
    assertThat(newErrors.text("/fired")).isEqualTo("2");
    assertThat(newErrors.json().get("events").findValuesAsString("release"))
        .containsExactly("7.1", "7.1");
    assertThat(
            api.post(
                    rules + "/preview",
                    owner.apiKey(),
                    "{\"condition\": {\"kind\": \"new_error\"}}")
                .text("/fired"))
        .isEqualTo("3");
    Response triage =
        api.post(rules + "/preview", owner.apiKey(), "{\"condition\": {\"kind\": \"regression\"}}");
    assertThat(triage.status()).isEqualTo(400);
    assertThat(triage.text("/details/0/field")).isEqualTo("condition.kind");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM alert_events WHERE app_id = ?", Long.class, app))
        .isZero();
  }

  @Test
  void anAlertIsMailedToTheRulesRecipientsOnly() {
    jdbc.update("UPDATE users SET email_verified_at = now() WHERE id = ?", owner.userId());
    UUID app = UUID.fromString(appId);
    // A webhook of the app (inserted as the webhooks API would: no DNS in tests), and one that
    // subscribes to every event kind but is not the rule's: it gets nothing.
    UUID hook = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    for (UUID h : List.of(hook, other)) {
      jdbc.update(
          "INSERT INTO webhooks (id, app_id, url, events) VALUES (?, ?, ?,"
              + " '{new_error,regression,assigned}')",
          h,
          app,
          "https://hooks.example.com/" + h);
    }
    String body =
        latency("Slow checkout", 300)
            .replace(
                "\"actions\": [",
                "\"actions\": [{\"kind\": \"webhook\", \"webhook_id\": \"" + hook + "\"}, ");
    Response created = api.post(rules, owner.apiKey(), body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.text("/id");
    UUID rule = UUID.fromString(id);
    Instant at = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    jdbc.execute(
        (ConnectionCallback<UUID>)
            c ->
                NotificationOutbox.insertAlert(
                    c,
                    app,
                    new AlertPayload(
                        rule,
                        "Slow checkout",
                        "latency",
                        "firing",
                        at,
                        512.5,
                        "p95 of GET /users/{id} above 300 ms for 3 minutes",
                        "production",
                        "2.1.0",
                        null,
                        null,
                        null)));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                Mailbox.to(owner.email()).stream()
                    .anyMatch(m -> m.subject().contains("FIRING: Slow checkout")));
    Mailbox.Mail mail =
        Mailbox.to(owner.email()).stream()
            .filter(m -> m.subject().contains("FIRING"))
            .findFirst()
            .orElseThrow();
    assertThat(mail.text())
        .contains("p95 of GET /users/{id} above 300 ms for 3 minutes")
        .contains("Value: 512.50")
        .contains("Release: 2.1.0")
        .contains("/apps/" + appId + "/alerts");
    assertThat(
            jdbc.queryForList(
                "SELECT d.channel FROM notification_deliveries d"
                    + " JOIN notifications n ON n.id = d.notification_id"
                    + " WHERE n.alert_rule_id = ? ORDER BY d.channel",
                String.class,
                rule))
        .containsExactly("email:" + owner.email().toLowerCase(), "webhook:" + hook);
  }

  @Test
  void theAlertsPageCreatesEditsAndDeletesRules() {
    Browser browser = new Browser(port).signIn(owner);
    String page = "/apps/" + appId + "/alerts";
    java.net.http.HttpResponse<String> shown = browser.get(page);
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.body())
        .contains("New error")
        .contains("Regression")
        .contains("id=\"save-rule\"");

    java.net.http.HttpResponse<String> refused =
        browser.post(
            page,
            "name",
            "Slow",
            "kind",
            "latency",
            "statistic",
            "p95",
            "threshold",
            "fast",
            "minutes",
            "2",
            "cooldown",
            "0");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("The threshold must be a number.");
    refused =
        browser.post(
            page,
            "name",
            "Slow",
            "kind",
            "latency",
            "statistic",
            "p95",
            "threshold",
            "0",
            "minutes",
            "2",
            "cooldown",
            "0");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("The threshold must be a number &gt; 0");

    java.net.http.HttpResponse<String> created =
        browser.post(
            page,
            "name",
            "Slow <checkout>",
            "kind",
            "latency",
            "statistic",
            "p99",
            "threshold",
            "750",
            "minutes",
            "2",
            "transaction",
            "POST /checkout",
            "email_to",
            owner.email().toLowerCase(),
            "cooldown",
            "15");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(302);
    Response list = api.get(rules, owner.apiKey());
    assertThat(list.text("/items/2/name")).isEqualTo("Slow <checkout>");
    assertThat(list.text("/items/2/condition/statistic")).isEqualTo("p99");
    assertThat(list.text("/items/2/condition/for_minutes")).isEqualTo("2");
    assertThat(list.text("/items/2/actions/0/to/0")).isEqualTo(owner.email().toLowerCase());
    String id = list.text("/items/2/id");
    String body = browser.get(page).body();
    assertThat(body)
        .contains("Slow &lt;checkout&gt;")
        .contains("p99 of POST /checkout above 750 ms for 2 minutes")
        .doesNotContain("Slow <checkout>");

    String form = browser.get(page + "?edit=" + id).body();
    assertThat(form).contains("value=\"" + id + "\"").contains("value=\"750\"");
    assertThat(
            browser
                .post(
                    page,
                    "rule_id",
                    id,
                    "name",
                    "Slow checkout",
                    "kind",
                    "error_rate",
                    "threshold",
                    "2.5",
                    "minutes",
                    "3",
                    "min_requests",
                    "10",
                    "cooldown",
                    "15")
                .statusCode())
        .isEqualTo(302);
    Response edited = api.get(rules + "/" + id, owner.apiKey());
    assertThat(edited.text("/condition/kind")).isEqualTo("error_rate");
    assertThat(edited.text("/condition/threshold_percent")).isEqualTo("2.5");
    assertThat(edited.json().get("actions").size()).isZero();

    assertThat(browser.post(page + "/" + id + "/delete").statusCode()).isEqualTo(302);
    assertThat(api.get(rules + "/" + id, owner.apiKey()).status()).isEqualTo(404);

    // A member sees the rules but no form, and cannot post one.
    Account member = api.newAccount("Page Member Org");
    Teams.join(api, owner, member, "member");
    Browser theirs = new Browser(port).signIn(member);
    assertThat(theirs.get(page).body()).contains("New error").doesNotContain("id=\"save-rule\"");
    assertThat(theirs.post(page, "name", "x", "kind", "new_error").statusCode()).isEqualTo(403);
    Account stranger = api.newAccount("Page Stranger Org");
    assertThat(new Browser(port).signIn(stranger).get(page).statusCode()).isEqualTo(404);
  }
}
