package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.api.audit.AuditRetention;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The audit log: owners read who did what, when and from where in their org, newest first, a page
 * at a time; members and strangers cannot; nobody can change or delete a record younger than a
 * year.
 */
class ITAudit extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  @Autowired AuditRetention retention;
  private Account owner;
  private Account member;
  private Account stranger;
  private String audit;

  @BeforeEach
  void org() {
    owner = api.newAccount("Audit Org");
    member = api.newAccount("Member's org");
    stranger = api.newAccount("Stranger's org");
    jdbc.update(
        "INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')",
        owner.orgId(),
        member.userId());
    audit = "/api/v1/orgs/" + owner.orgId() + "/audit";
  }

  @Test
  void recordsWhatOwnersDoAndTheirMembersFailedSignIns() {
    String app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    api.post("/api/v1/apps/" + app + "/tokens/rotate", owner.apiKey(), "{\"kind\": \"ci\"}");
    String hook =
        api.post(
                "/api/v1/apps/" + app + "/webhooks",
                owner.apiKey(),
                "{\"url\": \"https://93.184.215.14/hook\", \"events\": [\"new_error\"]}")
            .text("/id");
    api.delete("/api/v1/apps/" + app + "/webhooks/" + hook, owner.apiKey());
    api.put(
        "/api/v1/apps/" + app + "/ownership", owner.apiKey(), "text/plain", "* a@example.com\n");
    api.put(
        "/api/v1/apps/" + app + "/application-packages",
        owner.apiKey(),
        "application/json",
        "{\"packages\": [\"com.shop\"]}");
    // A member's failed sign-in shows; a stranger's does not, and neither does a refused change.
    login(member.email(), "wrong password 1");
    login(stranger.email(), "wrong password 2");
    api.post("/api/v1/apps/" + app + "/tokens/rotate", member.apiKey(), "{\"kind\": \"ci\"}");

    Response r = api.get(audit, owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    JsonNode items = r.json().at("/items");
    assertThat(items.findValuesAsString("action"))
        .containsExactly(
            "sign_in.failed",
            "app.application_packages_changed",
            "ownership_rules.changed",
            "webhook.deleted",
            "webhook.created",
            "app.token_rotated",
            "app.created");
    assertThat(items.get(0).at("/actor").asString()).isEqualTo("anonymous");
    assertThat(items.get(0).at("/target").asString()).isEqualTo(member.email());
    assertThat(items.get(6).at("/actor").asString()).isEqualTo(owner.email());
    assertThat(items.get(6).at("/target").asString()).isEqualTo("shop");
    assertThat(items.get(5).at("/target").asString()).isEqualTo("shop (ci token)");
    assertThat(items.get(3).at("/target").asString()).isEqualTo("shop: https://93.184.215.14/hook");
    for (JsonNode item : items) {
      assertThat(item.at("/address").asString()).isEqualTo("127.0.0.1");
      assertThat(item.at("/at").asString()).endsWith("Z");
    }
    assertThat(r.json().at("/next_cursor").isNull()).isTrue();
    assertThat(r.body()).doesNotContain(stranger.email());
  }

  @Test
  void onlyOwnersReadIt() {
    Response byMember = api.get(audit, member.apiKey());
    assertThat(byMember.status()).isEqualTo(403);
    assertThat(byMember.text("/error")).isEqualTo("forbidden");
    Response byStranger = api.get(audit, stranger.apiKey());
    assertThat(byStranger.status()).isEqualTo(404);
    assertThat(api.get("/api/v1/orgs/" + UUID.randomUUID() + "/audit", owner.apiKey()).status())
        .isEqualTo(404);
    assertThat(api.get(audit, null).status()).isEqualTo(401);
  }

  @Test
  void pagesNewestFirstWithACursor() {
    for (int i = 0; i < 120; i++) {
      jdbc.update(
          "INSERT INTO audit_events (org_id, actor, action, target) VALUES (?, 'x', 'app.created', ?)",
          owner.orgId(),
          "app-" + i);
    }
    List<String> seen = new java.util.ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Response r = api.get(audit + (cursor == null ? "" : "?cursor=" + cursor), owner.apiKey());
      assertThat(r.status()).isEqualTo(200);
      seen.addAll(r.json().at("/items").findValuesAsString("target"));
      cursor = r.json().at("/next_cursor").isNull() ? null : r.text("/next_cursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(120);
    assertThat(seen.getFirst()).isEqualTo("app-119");
    assertThat(seen.getLast()).isEqualTo("app-0");
  }

  @Test
  void aCursorItDidNotWriteIs400() {
    for (String bad :
        List.of("42", "e", "e-1", "e99999999999999999999", "%00", "e1%00", "x".repeat(5000))) {
      Response r = api.get(audit + "?cursor=" + bad, owner.apiKey());
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.text("/error")).isEqualTo("invalid_payload");
      assertThat(r.text("/details/0/field")).isEqualTo("cursor");
    }
  }

  @Test
  void nobodyChangesOrDeletesARecordYoungerThanAYear() {
    jdbc.update(
        "INSERT INTO audit_events (org_id, actor, action) VALUES (?, 'x', 'app.created')",
        owner.orgId());
    assertThatThrownBy(
            () ->
                jdbc.update("UPDATE audit_events SET actor = 'y' WHERE org_id = ?", owner.orgId()))
        .hasMessageContaining("append-only");
    assertThatThrownBy(
            () -> jdbc.update("DELETE FROM audit_events WHERE org_id = ?", owner.orgId()))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> jdbc.execute("TRUNCATE audit_events"))
        .hasMessageContaining("append-only");

    // What is older than a year goes, by the retention job.
    jdbc.update(
        "INSERT INTO audit_events (at, org_id, actor, action) VALUES (now() - interval '400 days', ?,"
            + " 'x', 'app.deleted')",
        owner.orgId());
    retention.purge();
    assertThat(
            jdbc.queryForList(
                "SELECT action FROM audit_events WHERE org_id = ?", String.class, owner.orgId()))
        .containsExactly("app.created");
  }

  @Test
  void theAuditPageShowsItToOwnersOnly() {
    api.post(
        "/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"<b>shop</b>\"}");
    java.net.http.HttpResponse<String> page =
        new PageSession(port).login(owner).get("/orgs/" + owner.orgId() + "/audit");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("app.created", owner.email(), "&lt;b&gt;shop&lt;/b&gt;", "127.0.0.1")
        .doesNotContain("<b>shop</b>");
    assertThat(new PageSession(port).login(owner).get("/apps").body()).contains("Audit log");

    PageSession asMember = new PageSession(port).login(member);
    assertThat(asMember.get("/orgs/" + owner.orgId() + "/audit").statusCode()).isEqualTo(403);
    assertThat(
            new PageSession(port)
                .login(stranger)
                .get("/orgs/" + owner.orgId() + "/audit")
                .statusCode())
        .isEqualTo(404);
  }

  private void login(String email, String password) {
    Response r =
        api.post(
            "/api/v1/login",
            null,
            "{\"email\": \"%s\", \"password\": \"%s\"}".formatted(email, password));
    assertThat(r.status()).isEqualTo(401);
  }
}
