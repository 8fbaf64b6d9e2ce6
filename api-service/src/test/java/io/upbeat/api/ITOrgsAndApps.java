package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Members and invitations (v1's add, now an invitation), apps and their tokens. */
class ITOrgsAndApps extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  @Test
  void theV1AddInvitesAndTheInviteeJoinsOnlyByAccepting() {
    Account owner = api.newAccount("Inviting Org");
    String bobEmail = "bob-" + UUID.randomUUID() + "@example.com";

    Response invited =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(bobEmail.toUpperCase()));
    assertThat(invited.status()).isEqualTo(201);
    assertThat(invited.text("/status")).isEqualTo("invited");
    assertThat(invited.text("/email")).isEqualTo(bobEmail);
    assertThat(invited.json().has("user_id")).isFalse();

    Response again =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(bobEmail));
    assertThat(again.status()).isEqualTo(409);

    // Signing up with the invited e-mail joins nothing; accepting the mailed link does.
    Account bob = api.signup(bobEmail, "Bob's Own");
    assertThat(api.get("/api/v1/me", bob.apiKey()).json().at("/orgs").findValuesAsString("id"))
        .containsExactly(bob.orgId().toString());
    assertThat(
            api.post(
                    "/api/v1/invitations/accept",
                    bob.apiKey(),
                    Teams.token(Mailbox.latestToken(bobEmail)))
                .status())
        .isEqualTo(200);
    Response me = api.get("/api/v1/me", bob.apiKey());
    assertThat(me.json().at("/orgs").findValuesAsString("id"))
        .containsExactlyInAnyOrder(bob.orgId().toString(), owner.orgId().toString());

    Response members = api.get("/api/v1/orgs/" + owner.orgId() + "/members", owner.apiKey());
    assertThat(members.json().at("/items").findValuesAsString("email"))
        .containsExactly(owner.email(), bobEmail);
    assertThat(members.text("/items/1/user/id")).isEqualTo(bob.userId().toString());
    assertThat(members.text("/items/1/role")).isEqualTo("member");
  }

  @Test
  void onlyOwnersInviteAndBadEmailsAreRefused() {
    Account owner = api.newAccount("Join Org");
    Account carol = api.newAccount("Carol's");
    Teams.join(api, owner, carol, "member");

    // Carol, now a member, sees the org but may not add members: that is an owner's.
    assertThat(api.get("/api/v1/orgs/" + owner.orgId() + "/members", carol.apiKey()).status())
        .isEqualTo(200);
    Response byMember =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            carol.apiKey(),
            "{\"email\": \"someone@example.com\"}");
    assertThat(byMember.status()).isEqualTo(403);
    Response duplicate =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members",
            owner.apiKey(),
            "{\"email\": \"%s\"}".formatted(carol.email()));
    assertThat(duplicate.status()).isEqualTo(409);

    Response badEmail =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/members", owner.apiKey(), "{\"email\": \"nope\"}");
    assertThat(badEmail.status()).isEqualTo(400);
    assertThat(badEmail.text("/details/0/field")).isEqualTo("email");
  }

  @Test
  void createsAppsWithBothTokensShownOnce() {
    Account owner = api.newAccount("App Org");

    Response created =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop-web\"}");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.text("/name")).isEqualTo("shop-web");
    assertThat(created.text("/org_id")).isEqualTo(owner.orgId().toString());
    assertThat(created.text("/secret_token")).startsWith("ub_app_").hasSizeGreaterThan(40);
    assertThat(created.text("/ci_token")).startsWith("ub_ci_").hasSizeGreaterThan(40);
    String appId = created.text("/id");

    Response one = api.get("/api/v1/apps/" + appId, owner.apiKey());
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.text("/name")).isEqualTo("shop-web");
    assertThat(one.body()).doesNotContain("ub_app_", "ub_ci_", "token");

    Response all = api.get("/api/v1/apps", owner.apiKey());
    assertThat(all.json().at("/items").findValuesAsString("id")).containsExactly(appId);

    Response duplicate =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop-web\"}");
    assertThat(duplicate.status()).isEqualTo(409);

    Response unnamed =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"  \"}");
    assertThat(unnamed.status()).isEqualTo(400);
    assertThat(unnamed.text("/details/0/field")).isEqualTo("name");
  }

  @Test
  void rotationReplacesExactlyOneTokenOfTheKind() {
    Account owner = api.newAccount("Rotate Org");
    Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"svc\"}");
    String appId = app.text("/id");

    Response rotated =
        api.post(
            "/api/v1/apps/" + appId + "/tokens/rotate", owner.apiKey(), "{\"kind\": \"secret\"}");
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.text("/token"))
        .startsWith("ub_app_")
        .isNotEqualTo(app.text("/secret_token"));

    Response ci =
        api.post("/api/v1/apps/" + appId + "/tokens/rotate", owner.apiKey(), "{\"kind\": \"ci\"}");
    assertThat(ci.text("/token")).startsWith("ub_ci_");

    assertThat(
            jdbc.queryForList(
                "SELECT kind, count(*) FILTER (WHERE revoked_at IS NULL) AS live, count(*) AS all"
                    + " FROM app_tokens WHERE app_id = ?::uuid GROUP BY kind ORDER BY kind",
                appId))
        .extracting(row -> row.get("kind") + ":" + row.get("live") + "/" + row.get("all"))
        .containsExactly("ci:1/2", "secret:1/2");

    Response badKind =
        api.post(
            "/api/v1/apps/" + appId + "/tokens/rotate", owner.apiKey(), "{\"kind\": \"root\"}");
    assertThat(badKind.status()).isEqualTo(400);
    assertThat(badKind.text("/details/0/field")).isEqualTo("kind");
  }

  @Test
  void aCiTokenMayNotUseTheAccountApi() {
    Account owner = api.newAccount("CI Org");
    Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"ci\"}");

    Response asCi = api.get("/api/v1/apps/" + app.text("/id"), app.text("/ci_token"));
    assertThat(asCi.status()).isEqualTo(403);
    assertThat(asCi.text("/error")).isEqualTo("forbidden");

    // The agents' secret token is for intake only.
    Response asSecret = api.get("/api/v1/me", app.text("/secret_token"));
    assertThat(asSecret.status()).isEqualTo(401);
  }
}
