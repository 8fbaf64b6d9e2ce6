package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Another org's ids get a stranger nothing: every org- and app-scoped endpoint answers 404 {@code
 * not_found}, exactly as for ids that do not exist, and no foreign data appears in any body, lists
 * included.
 */
class ITTenantIsolation extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  private Account owner;
  private Account stranger;
  private String appId;
  private String appName;
  private String invitationId;

  /** An error group of the owner's app, as the processor would have written it. */
  private final UUID group = UUID.randomUUID();

  /** A trace of the owner's app, as the processor would have written its sample. */
  private final String trace = TraceRows.traceId();

  @BeforeEach
  void twoTenants() {
    owner = api.newAccount("Owner Org " + UUID.randomUUID());
    stranger = api.newAccount("Stranger Org");
    appName = "secret-project-" + UUID.randomUUID();
    appId =
        api.post(
                "/api/v1/orgs/" + owner.orgId() + "/apps",
                owner.apiKey(),
                "{\"name\": \"%s\"}".formatted(appName))
            .text("/id");
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
          last_seen)
        VALUES (?, ?, ?, 'java.lang.IllegalStateException', 'secret detail', 1, now(), now())
        """,
        group,
        UUID.fromString(appId),
        TokenDigest.sha256Hex(group.toString()));
    new TraceRows(jdbc)
        .transaction(
            appId,
            trace,
            TraceRows.spanId(),
            null,
            "GET /secret detail",
            java.time.Instant.now(),
            1,
            "success",
            "[]");
    invitationId =
        api.post(
                "/api/v1/orgs/" + owner.orgId() + "/invitations",
                owner.apiKey(),
                "{\"email\": \"invitee-%s@example.com\"}".formatted(UUID.randomUUID()))
            .text("/id");
  }

  record Call(String method, String path, String body) {}

  private List<Call> scopedCalls(String orgId, String app) {
    return List.of(
        new Call("GET", "/api/v1/orgs/" + orgId + "/members", null),
        new Call("POST", "/api/v1/orgs/" + orgId + "/members", "{\"email\": \"x@example.com\"}"),
        new Call(
            "PATCH",
            "/api/v1/orgs/" + orgId + "/members/" + owner.userId(),
            "{\"role\": \"member\"}"),
        new Call("DELETE", "/api/v1/orgs/" + orgId + "/members/" + owner.userId(), null),
        new Call("GET", "/api/v1/orgs/" + orgId + "/invitations", null),
        new Call(
            "POST", "/api/v1/orgs/" + orgId + "/invitations", "{\"email\": \"x@example.com\"}"),
        new Call("DELETE", "/api/v1/orgs/" + orgId + "/invitations/" + invitationId, null),
        new Call("POST", "/api/v1/orgs/" + orgId + "/invitations/" + invitationId + "/resend", ""),
        new Call("POST", "/api/v1/orgs/" + orgId + "/apps", "{\"name\": \"intruder\"}"),
        new Call("GET", "/api/v1/orgs/" + orgId + "/traces/" + trace, null),
        new Call("GET", "/api/v1/orgs/" + orgId + "/service-map", null),
        new Call("GET", "/api/v1/apps/" + app, null),
        new Call("POST", "/api/v1/apps/" + app + "/tokens/rotate", "{\"kind\": \"secret\"}"),
        new Call("POST", "/api/v1/apps/" + app + "/tokens/rotate", "{\"kind\": \"ci\"}"),
        new Call("POST", "/api/v1/apps/" + app + "/releases", "{\"version\": \"v1\"}"),
        new Call("GET", "/api/v1/apps/" + app + "/releases", null),
        new Call("GET", "/api/v1/apps/" + app + "/releases/v1", null),
        new Call("GET", "/api/v1/apps/" + app + "/transactions", null),
        new Call("GET", "/api/v1/apps/" + app + "/metrics/response-time", null),
        new Call("GET", "/api/v1/apps/" + app + "/errors", null),
        new Call("GET", "/api/v1/apps/" + app + "/errors?status=all&sort=count", null),
        new Call("GET", "/api/v1/apps/" + app + "/errors/" + group, null),
        new Call("GET", "/api/v1/apps/" + app + "/errors/" + group + "/occurrences", null),
        new Call("PATCH", "/api/v1/apps/" + app + "/errors/" + group, "{\"status\": \"resolved\"}"),
        new Call(
            "POST",
            "/api/v1/apps/" + app + "/errors/" + group + "/merge",
            "{\"group_ids\": [\"" + UUID.randomUUID() + "\"]}"),
        new Call("POST", "/api/v1/apps/" + app + "/errors/" + group + "/unmerge", "{}"),
        new Call("GET", "/api/v1/apps/" + app + "/ownership", null),
        new Call("PUT", "/api/v1/apps/" + app + "/ownership", "* intruder@example.com\n"),
        new Call("PUT", "/api/v1/apps/" + app + "/ownership", "not a rule\n"));
  }

  @Test
  void everyScopedEndpointHidesAnotherOrgsIds() {
    for (Call call : scopedCalls(owner.orgId().toString(), appId)) {
      Response r = send(call, stranger.apiKey());
      assertThat(r.status()).as("%s %s", call.method(), call.path()).isEqualTo(404);
      assertThat(r.text("/error")).isEqualTo("not_found");
      assertThat(r.body())
          .doesNotContain(
              owner.email(), appName, owner.orgId().toString(), "Owner Org", "secret detail");
    }
    // Nothing changed for the owner: no member, invitation, app or token was added by the stranger.
    Response members = api.get("/api/v1/orgs/" + owner.orgId() + "/members", owner.apiKey());
    assertThat(members.json().at("/items")).hasSize(1);
    assertThat(members.text("/items/0/role")).isEqualTo("owner");
    Response invitations =
        api.get("/api/v1/orgs/" + owner.orgId() + "/invitations", owner.apiKey());
    assertThat(invitations.json().at("/items").findValuesAsString("id"))
        .containsExactly(invitationId);
    assertThat(api.get("/api/v1/apps", owner.apiKey()).json().at("/items")).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM error_groups WHERE id = ?", String.class, group))
        .isEqualTo("unresolved");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM ownership_rules WHERE app_id = ?::uuid",
                Integer.class,
                appId))
        .isZero();
  }

  @Test
  void foreignIdsLookExactlyLikeMissingOnes() {
    String missingOrg = UUID.randomUUID().toString();
    String missingApp = UUID.randomUUID().toString();
    List<Call> foreign = scopedCalls(owner.orgId().toString(), appId);
    List<Call> missing = scopedCalls(missingOrg, missingApp);
    List<Call> malformed = scopedCalls("not-a-uuid", "42");
    for (int i = 0; i < foreign.size(); i++) {
      Response a = send(foreign.get(i), stranger.apiKey());
      Response b = send(missing.get(i), stranger.apiKey());
      Response c = send(malformed.get(i), stranger.apiKey());
      assertThat(a.body()).isEqualTo(b.body()).isEqualTo(c.body());
      assertThat(c.status()).isEqualTo(404);
    }
  }

  @Test
  void listsShowOnlyTheCallersOwnData() {
    Response apps = api.get("/api/v1/apps", stranger.apiKey());
    assertThat(apps.json().at("/items")).isEmpty();
    Response me = api.get("/api/v1/me", stranger.apiKey());
    assertThat(me.json().at("/orgs").findValuesAsString("id"))
        .containsExactly(stranger.orgId().toString());
    assertThat(me.body()).doesNotContain(owner.orgId().toString(), owner.email());
  }

  private Response send(Call call, String key) {
    return switch (call.method()) {
      case "GET" -> api.get(call.path(), key);
      case "PATCH" -> api.patch(call.path(), key, call.body());
      case "DELETE" -> api.delete(call.path(), key);
      case "PUT" -> api.put(call.path(), key, "text/plain", call.body());
      default -> api.post(call.path(), key, call.body());
    };
  }
}
