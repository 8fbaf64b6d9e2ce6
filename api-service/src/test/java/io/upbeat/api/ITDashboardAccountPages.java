package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.events.TokenDigest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The dashboard's account pages through HTTP, as a browser uses them: sign-up, the app list,
 * creating an app (its tokens shown once and working), members, and the HTML error page, including
 * for another tenant's org.
 */
class ITDashboardAccountPages extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  @Test
  void signingUpThroughTheFormLandsOnTheAppListSignedIn() {
    Browser browser = new Browser(port);
    HttpResponse<String> form = browser.get("/signup");
    assertThat(form.statusCode()).isEqualTo(200);
    assertThat(form.body()).contains("name=\"org_name\"").contains("name=\"_csrf\"");

    String email = "signup-" + UUID.randomUUID() + "@example.com";
    HttpResponse<String> signup =
        browser.post(
            "/signup",
            "email",
            email,
            "password",
            "correct horse battery",
            "name",
            "Sam",
            "org_name",
            "Sam's Shop");
    assertThat(signup.statusCode()).as(signup.body()).isEqualTo(302);
    assertThat(signup.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/apps"));
    assertThat(browser.hasSession()).isTrue();

    HttpResponse<String> apps = browser.get("/apps");
    assertThat(apps.statusCode()).isEqualTo(200);
    assertThat(apps.body()).contains("Sam&#39;s Shop").contains(email).contains("Create app");
    HttpResponse<String> me = browser.getJson("/api/v1/me");
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains(email).contains("\"role\":\"owner\"");
    // The new account can also sign in with its password (it was stored, not just the session).
    assertThat(
            api.post(
                    "/api/v1/login",
                    null,
                    "{\"email\": \"" + email + "\", \"password\": \"correct horse battery\"}")
                .status())
        .isEqualTo(200);
  }

  @Test
  void theSignUpFormExplainsWhatIsWrongAndCreatesNothing() {
    Browser browser = new Browser(port);
    String email = "short-" + UUID.randomUUID() + "@example.com";
    HttpResponse<String> shortPassword =
        browser.post(
            "/signup", "email", email, "password", "too short", "name", "", "org_name", "Org");
    assertThat(shortPassword.statusCode()).isEqualTo(400);
    assertThat(shortPassword.body())
        .contains("The password must be at least 10 characters.")
        .contains("value=\"" + email + "\"")
        .doesNotContain("too short");
    HttpResponse<String> noOrg =
        browser.post(
            "/signup",
            "email",
            "not-an-address",
            "password",
            "long enough password",
            "org_name",
            "");
    assertThat(noOrg.statusCode()).isEqualTo(400);
    assertThat(noOrg.body())
        .contains("The e-mail must be an e-mail address.")
        .contains("The organization name is required.");
    assertThat(browser.hasSession()).isFalse();
    assertThat(jdbc.queryForObject("SELECT count(*) FROM users WHERE email = ?", Long.class, email))
        .isZero();

    Account taken = api.newAccount("Taken Org");
    HttpResponse<String> conflict =
        browser.post(
            "/signup",
            "email",
            taken.email().toUpperCase(),
            "password",
            "correct horse battery",
            "org_name",
            "Other");
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.body()).contains("An account with this e-mail already exists.");
    assertThat(browser.hasSession()).isFalse();

    // A page on another site cannot sign a visitor up (and in) to an account it chose.
    HttpResponse<String> forged =
        new Browser(port)
            .postWithoutCsrf(
                "/signup",
                "email",
                "forged-" + UUID.randomUUID() + "@example.com",
                "password",
                "correct horse battery",
                "org_name",
                "Forged");
    assertThat(forged.statusCode()).isEqualTo(403);
  }

  @Test
  void creatingAnAppShowsBothTokensOnceAndTheyWork() {
    Account alice = api.newAccount("Token Org");
    Browser browser = new Browser(port).signIn(alice);

    HttpResponse<String> created =
        browser.post("/orgs/" + alice.orgId() + "/apps", "name", "shop web");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    // Kept by no cache: the back button cannot show the tokens again either.
    assertThat(created.headers().firstValue("Cache-Control"))
        .hasValueSatisfying(c -> assertThat(c).contains("no-store"));
    String html = created.body();
    String secret = Browser.textOf(html, "secret-token");
    String ci = Browser.textOf(html, "ci-token");
    String appId = Browser.textOf(html, "app-id");
    assertThat(secret).startsWith("ub_app_");
    assertThat(ci).startsWith("ub_ci_");
    assertThat(Browser.occurrences(html, secret)).isEqualTo(1);
    assertThat(Browser.occurrences(html, ci)).isEqualTo(1);
    assertThat(html)
        .contains("data-copy=\"#secret-token\"")
        .contains("data-copy=\"#ci-token\"")
        .contains("&lt;artifactId&gt;upbeat-spring-boot-starter&lt;/artifactId&gt;")
        .contains("&lt;artifactId&gt;agent-java&lt;/artifactId&gt;")
        .contains("UPBEAT_SERVER_URL=http://127.0.0.1:8200")
        .contains("UPBEAT_SERVICE_NAME=shop-web")
        .contains("UPBEAT_ENVIRONMENT=")
        .contains("UPBEAT_SERVICE_VERSION=")
        .contains("UPBEAT_APP_PACKAGES=")
        .contains("--api " + url("") + " --app " + appId)
        .contains("--token \"$UPBEAT_CI_TOKEN\"")
        .doesNotContain("&lt;version&gt;UPBEAT_VERSION");

    // The tokens are the app's: the CI token posts a release, the secret one is a live agent token.
    assertThat(
            api.post("/api/v1/apps/" + appId + "/releases", ci, "{\"version\": \"1.0.0\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM app_tokens WHERE app_id = ?::uuid AND kind = 'secret'"
                    + " AND token_hash = ? AND revoked_at IS NULL",
                Long.class,
                appId,
                TokenDigest.sha256(secret)))
        .isEqualTo(1);

    // Never shown again: not in the list, not in the settings.
    HttpResponse<String> list = browser.get("/apps");
    assertThat(list.body()).contains("/apps/" + appId).contains("shop web");
    assertThat(list.body()).doesNotContain(secret).doesNotContain(ci);
    HttpResponse<String> settings = browser.get("/apps/" + appId + "/settings");
    assertThat(settings.statusCode()).isEqualTo(200);
    assertThat(settings.body()).doesNotContain(secret).doesNotContain(ci);
  }

  @Test
  void aRefusedAppNameIsExplainedOnTheList() {
    Account alice = api.newAccount("Names Org");
    Browser browser = new Browser(port).signIn(alice);
    assertThat(browser.post("/orgs/" + alice.orgId() + "/apps", "name", "dup").statusCode())
        .isEqualTo(201);

    HttpResponse<String> dup = browser.post("/orgs/" + alice.orgId() + "/apps", "name", "dup");
    assertThat(dup.statusCode()).isEqualTo(409);
    assertThat(dup.body()).contains("This organization already has an app named so.");
    assertThat(dup.body()).doesNotContain("ub_app_");
    HttpResponse<String> blank = browser.post("/orgs/" + alice.orgId() + "/apps", "name", " ");
    assertThat(blank.statusCode()).isEqualTo(400);
    assertThat(blank.body()).contains("The name is required.");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM apps WHERE org_id = ?", Long.class, alice.orgId()))
        .isEqualTo(1);
  }

  @Test
  void membersPageListsAndInvites() {
    Account alice = api.newAccount("Members Org");
    Account bob = api.newAccount("Bob Org");
    Browser browser = new Browser(port).signIn(alice);

    HttpResponse<String> page = browser.get("/orgs/" + alice.orgId() + "/members");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Members Org").contains(alice.email()).contains("owner");
    assertThat(browser.get("/apps").body()).contains("/orgs/" + alice.orgId() + "/members");

    String newcomer = "new-" + UUID.randomUUID() + "@example.com";
    HttpResponse<String> invited =
        browser.htmxPost("/orgs/" + alice.orgId() + "/members", "email", newcomer);
    assertThat(invited.statusCode()).isEqualTo(200);
    assertThat(invited.body())
        .startsWith("<section id=\"members\"")
        .contains(newcomer + " is invited")
        .contains("Pending invitations");
    // An existing user is invited like anyone else: asked, not added.
    HttpResponse<String> asked =
        browser.post("/orgs/" + alice.orgId() + "/members", "email", bob.email());
    assertThat(asked.statusCode()).isEqualTo(201);
    assertThat(asked.body()).contains(bob.email() + " is invited").doesNotContain("Bob Org");
    HttpResponse<String> again =
        browser.post("/orgs/" + alice.orgId() + "/members", "email", newcomer);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("This e-mail is already invited");
    HttpResponse<String> bad = browser.post("/orgs/" + alice.orgId() + "/members", "email", "x");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("The e-mail must be an e-mail address.");

    assertThat(api.get("/api/v1/orgs/" + alice.orgId() + "/invitations", alice.apiKey()).body())
        .contains(newcomer)
        .contains(bob.email());
    assertThat(
            api.get("/api/v1/orgs/" + alice.orgId() + "/members", alice.apiKey())
                .json()
                .at("/items"))
        .hasSize(1);
  }

  @Test
  void anotherTenantsOrgGetsTheHtmlNotFoundPageAndChangesNothing() {
    Account alice = api.newAccount("Private Org");
    Account mallory = api.newAccount("Mallory Org");
    Browser browser = new Browser(port).signIn(mallory);

    for (HttpResponse<String> r :
        List.of(
            browser.get("/orgs/" + alice.orgId() + "/members"),
            browser.post("/orgs/" + alice.orgId() + "/members", "email", "spy@example.com"),
            browser.htmxPost("/orgs/" + alice.orgId() + "/members", "email", "spy@example.com"),
            browser.post("/orgs/" + alice.orgId() + "/apps", "name", "planted"),
            browser.get("/orgs/not-a-uuid/members"),
            browser.get("/no-such-page"))) {
      assertNotFoundPage(r);
    }
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM apps WHERE org_id = ?", Long.class, alice.orgId()))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM invitations WHERE org_id = ?", Long.class, alice.orgId()))
        .isZero();
    assertThat(browser.get("/apps").body()).doesNotContain("Private Org");

    // The API keeps answering with the contract's JSON body, session or not.
    HttpResponse<String> api = browser.getJson("/api/v1/orgs/" + alice.orgId() + "/members");
    assertThat(api.statusCode()).isEqualTo(404);
    assertThat(api.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(api.body())
        .isEqualTo(
            "{\"error\":\"not_found\",\"message\":\"The organization was not found.\","
                + "\"details\":[]}");
  }

  static void assertNotFoundPage(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.uri() + "\n" + r.body()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(r.body())
        .contains("404")
        .contains("id=\"error-message\"")
        .contains("href=\"/apps\"")
        .doesNotContain("\"error\":")
        .doesNotContain("Exception")
        .doesNotContain("at io.upbeat");
  }
}
