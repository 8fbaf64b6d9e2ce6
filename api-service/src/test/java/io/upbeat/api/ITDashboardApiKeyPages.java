package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.net.http.HttpResponse;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/**
 * The account page as a browser uses it: the layout links to it, it lists the user's API keys,
 * creates one (its value shown once and working), revokes one (refused by the API from the next
 * request on) with htmx and CSRF, and signs out everywhere.
 */
class ITDashboardApiKeyPages extends ApiIntegrationTest {

  private static Document html(HttpResponse<String> r) {
    return Jsoup.parse(r.body());
  }

  @Test
  void theAccountPageListsCreatesAndRevokesKeys() {
    Account alice = api.newAccount("Key Pages");
    Browser browser = new Browser(port).signIn(alice);

    Document apps = html(browser.get("/apps"));
    assertThat(apps.select("header a[href=/account]")).hasSize(1);

    HttpResponse<String> page = browser.get("/account");
    assertThat(page.statusCode()).isEqualTo(200);
    Document doc = html(page);
    // The sign-up key, named after its day, with its expiry and no use yet.
    assertThat(doc.select("table.api-keys tbody tr")).hasSize(1);
    Element signupKey = doc.selectFirst("table.api-keys tbody tr");
    assertThat(signupKey.child(0).text()).startsWith("login 20");
    assertThat(signupKey.child(3).selectFirst("time")).isNotNull();
    assertThat(doc.select("form[action=/account/sessions/revoke] input[name=_csrf]")).hasSize(1);

    // Create through htmx: the section comes back with the value, once.
    HttpResponse<String> created =
        browser.htmxPost("/account/api-keys", "name", "nightly <export>", "expires_in_days", "30");
    assertThat(created.statusCode()).isEqualTo(200);
    Document section = html(created);
    assertThat(section.select("#api-keys")).hasSize(1);
    assertThat(section.select("h1")).isEmpty();
    String key = section.selectFirst("#new-api-key").text();
    assertThat(key).startsWith("ub_key_");
    assertThat(section.select("table.api-keys tbody tr td:first-child").eachText())
        .contains("nightly <export>");
    assertThat(created.body()).doesNotContain("nightly <export>"); // escaped
    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);
    assertThat(browser.get("/account").body()).doesNotContain(key);

    // Revoke it through htmx: the key is refused by the very next API request.
    Response listed = api.get("/api/v1/me/api-keys", alice.apiKey());
    String id =
        listed
            .json()
            .at("/items")
            .valueStream()
            .filter(i -> i.at("/name").asString().equals("nightly <export>"))
            .findFirst()
            .orElseThrow()
            .at("/id")
            .asString();
    Element revokeForm = html(browser.get("/account")).selectFirst("#key-" + id + " form");
    assertThat(revokeForm.attr("hx-post")).isEqualTo("/account/api-keys/" + id + "/revoke");
    HttpResponse<String> revoked = browser.htmxPost("/account/api-keys/" + id + "/revoke");
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(html(revoked).select("#key-" + id)).isEmpty();
    assertThat(revoked.body()).contains("API key revoked.");
    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(401);
  }

  @Test
  void formsNeedTheCsrfTokenAndAnotherUsersKeyIsNotFound() {
    Account alice = api.newAccount("Key Pages");
    Account mallory = api.newAccount("Key Pages");
    String alicesKeyId =
        api.post("/api/v1/me/api-keys", alice.apiKey(), "{\"name\": \"mine\"}").text("/id");
    Browser browser = new Browser(port).signIn(mallory);

    assertThat(browser.postWithoutCsrf("/account/api-keys", "name", "x").statusCode())
        .isEqualTo(403);
    assertThat(browser.postWithoutCsrf("/account/api-keys/" + alicesKeyId + "/revoke").statusCode())
        .isEqualTo(403);
    HttpResponse<String> stranger = browser.post("/account/api-keys/" + alicesKeyId + "/revoke");
    assertThat(stranger.statusCode()).isEqualTo(404);
    assertThat(stranger.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(api.get("/api/v1/me/api-keys", alice.apiKey()).body()).contains(alicesKeyId);
    assertThat(browser.postWithoutCsrf("/account/sessions/revoke").statusCode()).isEqualTo(403);
    assertThat(browser.get("/apps").statusCode()).isEqualTo(200);
  }

  @Test
  void aRefusedFormComesBackWithItsProblems() {
    Account alice = api.newAccount("Key Pages");
    Browser browser = new Browser(port).signIn(alice);
    for (List<String> form :
        List.of(
            List.of("", "30"),
            List.of("x".repeat(101), "30"),
            List.of("a\u0000b", "30"),
            List.of("ok", "0"),
            List.of("ok", "366"),
            List.of("ok", "ninety"),
            List.of("ok", "99999999999999999999"))) {
      HttpResponse<String> page =
          browser.post("/account/api-keys", "name", form.get(0), "expires_in_days", form.get(1));
      assertThat(page.statusCode()).as(form.toString()).isEqualTo(400);
      assertThat(html(page).select("#api-keys [role=alert] p")).as(form.toString()).hasSize(1);
    }
    // A form without a lifetime makes a key that does not expire.
    HttpResponse<String> never = browser.post("/account/api-keys", "name", "forever");
    assertThat(never.statusCode()).isEqualTo(201);
    assertThat(
            api.get("/api/v1/me/api-keys", alice.apiKey())
                .json()
                .at("/items/0/expires_at")
                .isNull())
        .isTrue();
  }

  @Test
  void signingOutEverywhereEndsBothSessionsAndTheLoginKeys() {
    Account alice = api.newAccount("Key Pages");
    Browser laptop = new Browser(port).signIn(alice);
    Browser phone = new Browser(port).signIn(alice);
    String personal =
        api.post("/api/v1/me/api-keys", alice.apiKey(), "{\"name\": \"ci\"}").text("/api_key");

    HttpResponse<String> out = laptop.post("/account/sessions/revoke");
    assertThat(out.statusCode()).isEqualTo(302);
    assertThat(out.headers().firstValue("Location").orElse("")).endsWith("/login?logout");
    assertThat(laptop.hasSession()).isFalse();

    for (Browser b : List.of(laptop, phone)) {
      HttpResponse<String> apps = b.get("/apps");
      assertThat(apps.statusCode()).isEqualTo(302);
      assertThat(apps.headers().firstValue("Location").orElse("")).endsWith("/login");
    }
    assertThat(api.get("/api/v1/me", alice.apiKey()).status()).isEqualTo(401);
    assertThat(api.get("/api/v1/me", personal).status()).isEqualTo(200);
    // Signing in again works as before.
    assertThat(new Browser(port).signIn(alice).get("/account").statusCode()).isEqualTo(200);
  }
}
