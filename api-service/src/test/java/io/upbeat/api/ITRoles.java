package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Roles, as the contract's "Teams and access" says: an org's members read everything and triage
 * errors; only its owners manage apps, tokens, members, webhooks, ownership rules and application
 * packages. A member's attempt at an owner action is 403 {@code forbidden} and changes nothing; the
 * same call by an owner succeeds.
 */
class ITRoles extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  private Account owner;
  private Account member;
  private String orgId;
  private String appId;
  private final UUID group = UUID.randomUUID();
  private final String trace = TraceRows.traceId();

  @BeforeEach
  void orgWithAMember() {
    owner = api.newAccount("Roles Org " + UUID.randomUUID());
    member = api.newAccount("Member's own org");
    orgId = owner.orgId().toString();
    appId =
        api.post("/api/v1/orgs/" + orgId + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    Teams.join(api, owner, member, "member");
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
          last_seen)
        VALUES (?, ?, ?, 'java.lang.IllegalStateException', 'boom', 1, now(), now())
        """,
        group,
        UUID.fromString(appId),
        TokenDigest.sha256Hex(group.toString()));
    new TraceRows(jdbc)
        .transaction(
            appId, trace, TraceRows.spanId(), null, "GET /", Instant.now(), 1, "success", "[]");
  }

  record Call(String method, String path, String body) {}

  private List<Call> ownerCalls() {
    String app = "/api/v1/apps/" + appId;
    return List.of(
        new Call("POST", "/api/v1/orgs/" + orgId + "/members", "{\"email\": \"x@example.com\"}"),
        new Call(
            "POST", "/api/v1/orgs/" + orgId + "/invitations", "{\"email\": \"y@example.com\"}"),
        new Call("GET", "/api/v1/orgs/" + orgId + "/invitations", null),
        new Call(
            "PATCH",
            "/api/v1/orgs/" + orgId + "/members/" + member.userId(),
            "{\"role\": \"member\"}"),
        new Call("POST", "/api/v1/orgs/" + orgId + "/apps", "{\"name\": \"second\"}"),
        new Call("POST", app + "/tokens/rotate", "{\"kind\": \"secret\"}"),
        new Call("POST", app + "/tokens/rotate", "{\"kind\": \"ci\"}"),
        new Call(
            "POST",
            app + "/webhooks",
            "{\"url\": \"https://93.184.215.14/hook\", \"events\": [\"new_error\"]}"),
        new Call("PUT", app + "/ownership", "* lead@example.com\n"),
        new Call("PUT", app + "/application-packages", "{\"packages\": [\"com.shop\"]}"),
        new Call("PUT", app + "/scrubbing", "{\"keys\": [\"iban\"]}"));
  }

  private List<Call> memberCalls() {
    String app = "/api/v1/apps/" + appId;
    return List.of(
        new Call("GET", "/api/v1/orgs/" + orgId + "/members", null),
        new Call("GET", "/api/v1/orgs/" + orgId + "/traces/" + trace, null),
        new Call("GET", "/api/v1/orgs/" + orgId + "/service-map", null),
        new Call("GET", "/api/v1/apps", null),
        new Call("GET", app, null),
        new Call("GET", app + "/webhooks", null),
        new Call("GET", app + "/ownership", null),
        new Call("GET", app + "/application-packages", null),
        new Call("GET", app + "/scrubbing", null),
        new Call("GET", app + "/transactions", null),
        new Call("GET", app + "/errors", null),
        new Call("GET", app + "/errors/" + group, null),
        new Call("PATCH", app + "/errors/" + group, "{\"status\": \"resolved\"}"),
        new Call("POST", app + "/releases", "{\"version\": \"v1\"}"),
        new Call("GET", app + "/releases", null));
  }

  @Test
  void aMemberMayNotManageAndChangesNothing() {
    Map<String, Object> before = snapshot();
    for (Call call : ownerCalls()) {
      Response r = send(call, member.apiKey());
      assertThat(r.status()).as("%s %s", call.method(), call.path()).isEqualTo(403);
      assertThat(r.text("/error")).isEqualTo("forbidden");
      assertThat(r.text("/message")).contains("owner");
    }
    // Removing someone else is an owner's too (removing oneself is leaving: see ITMembers).
    Response remove =
        api.delete("/api/v1/orgs/" + orgId + "/members/" + owner.userId(), member.apiKey());
    assertThat(remove.status()).isEqualTo(403);
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void aMemberReadsAndTriages() {
    for (Call call : memberCalls()) {
      Response r = send(call, member.apiKey());
      assertThat(r.status()).as("%s %s", call.method(), call.path()).isBetween(200, 299);
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM error_groups WHERE id = ?", String.class, group))
        .isEqualTo("resolved");
  }

  @Test
  void theOwnerManages() {
    for (Call call : ownerCalls()) {
      Response r = send(call, owner.apiKey());
      assertThat(r.status()).as("%s %s", call.method(), call.path()).isBetween(200, 299);
    }
  }

  @Test
  void theOwnersRoleShowsInMe() {
    Response me = api.get("/api/v1/me", member.apiKey());
    assertThat(me.body()).contains("\"role\":\"member\"").contains("\"role\":\"owner\"");
  }

  /** What the owner calls would change, read straight from the database. */
  private Map<String, Object> snapshot() {
    UUID app = UUID.fromString(appId);
    return Map.of(
        "memberships",
        jdbc.queryForList(
            "SELECT user_id, role FROM memberships WHERE org_id = ? ORDER BY user_id",
            owner.orgId()),
        "apps",
        jdbc.queryForList(
            "SELECT id, name, application_packages::text AS packages FROM apps"
                + " WHERE org_id = ? ORDER BY id",
            owner.orgId()),
        "tokens",
        jdbc.queryForList(
            "SELECT id, kind, revoked_at, encode(token_hash, 'hex') AS hash FROM app_tokens"
                + " WHERE app_id = ? ORDER BY id",
            app),
        "webhooks",
        jdbc.queryForObject("SELECT count(*) FROM webhooks WHERE app_id = ?", Long.class, app),
        "scrubbing",
        jdbc.queryForObject(
            "SELECT array_to_string(scrubbing_keys, ',') FROM apps WHERE id = ?",
            String.class,
            app),
        "ownership",
        jdbc.queryForObject(
            "SELECT count(*) FROM ownership_rules WHERE app_id = ?", Long.class, app),
        "invitations",
        jdbc.queryForObject(
            "SELECT count(*) FROM invitations WHERE org_id = ?", Long.class, owner.orgId()));
  }

  private Response send(Call call, String key) {
    return switch (call.method()) {
      case "GET" -> api.get(call.path(), key);
      case "PATCH" -> api.patch(call.path(), key, call.body());
      case "PUT" ->
          api.put(
              call.path(),
              key,
              call.path().endsWith("/ownership") ? "text/plain" : "application/json",
              call.body());
      default -> api.post(call.path(), key, call.body());
    };
  }
}
