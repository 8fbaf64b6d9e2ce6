package io.upbeat.api;

import static io.upbeat.api.ITDashboardAccountPages.assertNotFoundPage;
import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An app's settings pages through HTTP: rotating tokens (the new one shown once, the old one
 * refused), webhooks with their delivery log, ownership rules with line-numbered errors, and
 * another tenant refused with the HTML 404 page, changing nothing.
 */
class ITDashboardSettingsPages extends ApiIntegrationTest {
  private static final String PUBLIC_TARGET = "https://93.184.215.14/hook";

  @Autowired JdbcTemplate jdbc;

  private Account alice;
  private String appId;
  private String ciToken;
  private Browser browser;

  @BeforeEach
  void app() {
    alice = api.newAccount("Settings Org");
    Response created =
        api.post("/api/v1/orgs/" + alice.orgId() + "/apps", alice.apiKey(), "{\"name\": \"s\"}");
    appId = created.text("/id");
    ciToken = created.text("/ci_token");
    browser = new Browser(port).signIn(alice);
  }

  private int postRelease(String token, String version) {
    return api.post(
            "/api/v1/apps/" + appId + "/releases", token, "{\"version\": \"" + version + "\"}")
        .status();
  }

  @Test
  void rotatingATokenShowsTheNewOneOnceAndTheOldOneIsRefused() {
    HttpResponse<String> page = browser.get("/apps/" + appId + "/settings");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("id=\"rotate-secret\"")
        .contains("id=\"rotate-ci\"")
        .contains("hx-post=\"/apps/" + appId + "/settings/tokens/ci\"")
        .contains("hx-get=\"/apps/" + appId + "/settings/webhooks\"")
        .contains("hx-get=\"/apps/" + appId + "/settings/ownership\"")
        .doesNotContain("id=\"new-token\"");
    assertThat(postRelease(ciToken, "before")).isEqualTo(201);

    HttpResponse<String> rotated = browser.htmxPost("/apps/" + appId + "/settings/tokens/ci");
    assertThat(rotated.statusCode()).isEqualTo(200);
    assertThat(rotated.body()).startsWith("<section id=\"tokens\"").doesNotContain("<html");
    String newCi = Browser.textOf(rotated.body(), "new-token");
    assertThat(newCi).startsWith("ub_ci_");
    assertThat(Browser.occurrences(rotated.body(), newCi)).isEqualTo(1);

    assertThat(postRelease(ciToken, "after")).isEqualTo(401);
    assertThat(postRelease(newCi, "after")).isEqualTo(201);
    assertThat(browser.get("/apps/" + appId + "/settings").body()).doesNotContain(newCi);

    // Without htmx the whole page answers, with the new secret token.
    String oldSecretHash =
        jdbc.queryForObject(
            "SELECT encode(token_hash, 'hex') FROM app_tokens WHERE app_id = ?::uuid"
                + " AND kind = 'secret' AND revoked_at IS NULL",
            String.class,
            appId);
    HttpResponse<String> secret = browser.post("/apps/" + appId + "/settings/tokens/secret");
    assertThat(secret.statusCode()).isEqualTo(200);
    assertThat(secret.body()).contains("<title>Settings");
    String newSecret = Browser.textOf(secret.body(), "new-token");
    assertThat(newSecret).startsWith("ub_app_");
    assertThat(
            jdbc.queryForList(
                "SELECT encode(token_hash, 'hex') FROM app_tokens WHERE app_id = ?::uuid"
                    + " AND kind = 'secret' AND revoked_at IS NULL",
                String.class,
                appId))
        .containsExactly(java.util.HexFormat.of().formatHex(TokenDigest.sha256(newSecret)))
        .doesNotContain(oldSecretHash);
  }

  @Test
  void webhooksAreAddedListedWithTheirDeliveriesAndDeleted() {
    String section = "/apps/" + appId + "/settings/webhooks";
    HttpResponse<String> empty = browser.htmxGet(section);
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.body()).startsWith("<section id=\"webhooks\"").contains("No webhooks yet.");
    assertThat(browser.get(section).body())
        .contains("<title>Webhooks")
        .contains("No webhooks yet.");

    HttpResponse<String> refused =
        browser.htmxPost(section, "url", "http://127.0.0.1:8080/x", "events", "new_error");
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(refused.body())
        .contains("role=\"alert\"")
        .contains("The URL resolves to a loopback, private or link-local address")
        .contains("value=\"http://127.0.0.1:8080/x\"");
    HttpResponse<String> noEvents = browser.post(section, "url", PUBLIC_TARGET);
    assertThat(noEvents.statusCode()).isEqualTo(400);
    assertThat(noEvents.body()).contains("The events must name at least one of");
    assertThat(api.get("/api/v1" + "/apps/" + appId + "/webhooks", alice.apiKey()).body())
        .isEqualTo("{\"items\":[]}");

    HttpResponse<String> added =
        browser.htmxPost(
            section, "url", PUBLIC_TARGET, "events", "new_error", "events", "regression");
    assertThat(added.statusCode()).isEqualTo(200);
    String secret = Browser.textOf(added.body(), "webhook-secret");
    assertThat(secret).startsWith("whsec_");
    assertThat(added.body()).contains(PUBLIC_TARGET).contains(">regression<");
    Response listed = api.get("/api/v1/apps/" + appId + "/webhooks", alice.apiKey());
    assertThat(listed.json().at("/items").size()).isEqualTo(1);
    String hookId = listed.text("/items/0/id");
    assertThat(listed.body()).contains("\"events\":[\"new_error\",\"regression\"]");

    // A delivery that failed, as the notification worker records it.
    UUID notification = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO notifications (id, app_id, kind, payload, dispatched_at)"
            + " VALUES (?, ?::uuid, 'new_error', '{}'::jsonb, now())",
        notification,
        appId);
    jdbc.update(
        "INSERT INTO notification_deliveries (notification_id, channel, webhook_id, status,"
            + " attempts, last_status, last_error) VALUES (?, ?, ?::uuid, 'failed', 8, 502,"
            + " 'Bad gateway from the target')",
        notification,
        "webhook:" + hookId,
        hookId);
    HttpResponse<String> log = browser.htmxGet(section);
    assertThat(log.body())
        .contains("Delivery log (1)")
        .contains("failed")
        .contains("HTTP 502")
        .contains("Bad gateway from the target")
        .doesNotContain(secret);

    HttpResponse<String> deleted = browser.htmxPost(section + "/" + hookId + "/delete");
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.body()).contains("Webhook deleted.").contains("No webhooks yet.");
    assertThat(api.get("/api/v1/apps/" + appId + "/webhooks", alice.apiKey()).body())
        .isEqualTo("{\"items\":[]}");
  }

  @Test
  void ownershipRulesAreSavedAndABadLineIsNamed() {
    String section = "/apps/" + appId + "/settings/ownership";
    String rules = "# owners\r\n*  lead@example.com\r\n/src/pay/  pay@example.com\r\n";
    HttpResponse<String> saved = browser.htmxPost(section, "rules", rules);
    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body()).startsWith("<section id=\"ownership\"").contains("Saved.");
    String stored = "# owners\n*  lead@example.com\n/src/pay/  pay@example.com\n";
    assertThat(api.get("/api/v1/apps/" + appId + "/ownership", alice.apiKey()).body())
        .isEqualTo(stored);

    HttpResponse<String> bad =
        browser.htmxPost(section, "rules", "*  lead@example.com\n/src/pay/  pay-team\n");
    assertThat(bad.statusCode()).isEqualTo(200);
    assertThat(bad.body())
        .contains("Line 2 of the ownership rules is invalid.")
        .contains("data-line=\"2\"")
        .contains("Line 2: owner")
        .contains("pay-team")
        .contains("aria-invalid=\"true\"");
    HttpResponse<String> badPage =
        browser.post(section, "rules", "*  lead@example.com\n!negated  x@example.com\n");
    assertThat(badPage.statusCode()).isEqualTo(400);
    assertThat(badPage.body()).contains("<title>Ownership rules").contains("Line 2");
    assertThat(api.get("/api/v1/apps/" + appId + "/ownership", alice.apiKey()).body())
        .isEqualTo(stored);

    HttpResponse<String> page = browser.get(section);
    assertThat(page.body()).contains("/src/pay/  pay@example.com").contains("Last saved");
  }

  @Test
  void anotherTenantGetsTheHtmlNotFoundPageAndChangesNothing() {
    browser.htmxPost(
        "/apps/" + appId + "/settings/webhooks", "url", PUBLIC_TARGET, "events", "new_error");
    String hookId =
        api.get("/api/v1/apps/" + appId + "/webhooks", alice.apiKey()).text("/items/0/id");
    browser.htmxPost("/apps/" + appId + "/settings/ownership", "rules", "* lead@example.com\n");

    Account mallory = api.newAccount("Mallory Settings");
    Browser other = new Browser(port).signIn(mallory);
    String base = "/apps/" + appId + "/settings";
    for (HttpResponse<String> r :
        List.of(
            other.get(base),
            other.get(base + "/webhooks"),
            other.htmxGet(base + "/webhooks"),
            other.get(base + "/ownership"),
            other.post(base + "/tokens/ci"),
            other.htmxPost(base + "/tokens/secret"),
            other.post(base + "/webhooks", "url", PUBLIC_TARGET, "events", "new_error"),
            other.post(base + "/webhooks/" + hookId + "/delete"),
            other.post(base + "/ownership", "rules", "* mallory@example.com\n"),
            other.get("/apps/" + UUID.randomUUID() + "/settings"))) {
      assertNotFoundPage(r);
    }
    assertThat(postRelease(ciToken, "still-works")).isEqualTo(201);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM app_tokens WHERE app_id = ?::uuid AND revoked_at IS NOT NULL",
                Long.class,
                appId))
        .isZero();
    Response hooks = api.get("/api/v1/apps/" + appId + "/webhooks", alice.apiKey());
    assertThat(hooks.json().at("/items").size()).isEqualTo(1);
    assertThat(hooks.text("/items/0/id")).isEqualTo(hookId);
    assertThat(api.get("/api/v1/apps/" + appId + "/ownership", alice.apiKey()).body())
        .isEqualTo("* lead@example.com\n");
    // An unknown token kind on one's own app is a 404 page too.
    assertNotFoundPage(browser.post(base + "/tokens/admin"));
  }
}
