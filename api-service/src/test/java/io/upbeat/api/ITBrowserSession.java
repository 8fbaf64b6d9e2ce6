package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Browsers sign in with the login form and then use a session cookie; every state-changing request
 * they make needs the CSRF token, which a page on another site cannot read.
 */
class ITBrowserSession extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;
  private final CookieManager cookies = new CookieManager();
  private final HttpClient browser =
      HttpClient.newBuilder()
          .cookieHandler(cookies)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @Test
  void formLoginGivesASessionThatNeedsCsrfToChangeAnything() throws Exception {
    Account alice = api.newAccount("Browser Org");

    HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/login")).GET());
    assertThat(page.statusCode()).isEqualTo(200);
    String csrf = csrfCookie();

    HttpResponse<String> login =
        postForm(
            "/login",
            "email=%s&password=%s&_csrf=%s"
                .formatted(enc(alice.email()), enc(alice.password()), enc(csrf)));
    assertThat(login.statusCode()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));
    assertThat(cookies.getCookieStore().getCookies())
        .extracting(HttpCookie::getName)
        .contains("SESSION");

    HttpResponse<String> me = send(HttpRequest.newBuilder(uri("/api/v1/me")).GET());
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains(alice.email());

    String createApp = "{\"name\": \"from-browser\"}";
    HttpResponse<String> withoutToken =
        send(
            HttpRequest.newBuilder(uri("/api/v1/orgs/" + alice.orgId() + "/apps"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(createApp)));
    assertThat(withoutToken.statusCode()).isEqualTo(403);
    assertThat(withoutToken.body()).contains("\"error\":\"forbidden\"");

    HttpResponse<String> withToken =
        send(
            HttpRequest.newBuilder(uri("/api/v1/orgs/" + alice.orgId() + "/apps"))
                .header("Content-Type", "application/json")
                .header("X-XSRF-TOKEN", csrfCookie())
                .POST(HttpRequest.BodyPublishers.ofString(createApp)));
    assertThat(withToken.statusCode()).isEqualTo(201);
  }

  @Test
  void aPageWithoutSessionLeadsToTheSignInFormButTheApiAnswers401() throws Exception {
    HttpResponse<String> page =
        send(HttpRequest.newBuilder(uri("/apps")).header("Accept", "text/html").GET());
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/login"));

    HttpResponse<String> api =
        send(HttpRequest.newBuilder(uri("/api/v1/apps")).header("Accept", "text/html").GET());
    assertThat(api.statusCode()).isEqualTo(401);

    HttpResponse<String> login = send(HttpRequest.newBuilder(uri("/login")).GET());
    assertThat(login.body()).contains("name=\"_csrf\"").contains("htmx.org/2.0.8/dist/htmx.min.js");
    HttpResponse<String> htmx =
        send(HttpRequest.newBuilder(uri("/webjars/htmx.org/dist/htmx.min.js")).GET());
    assertThat(htmx.statusCode()).isEqualTo(200);
    // The icon every page declares, served before signing in (no 404 in the browser's console).
    assertThat(login.body()).contains("rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"");
    HttpResponse<String> icon = send(HttpRequest.newBuilder(uri("/favicon.svg")).GET());
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
    assertThat(icon.body()).startsWith("<svg");
  }

  @Test
  void aWrongPasswordOnTheFormSignsNobodyIn() throws Exception {
    Account alice = api.newAccount("Browser Wrong");
    send(HttpRequest.newBuilder(uri("/login")).GET());

    HttpResponse<String> login =
        postForm(
            "/login",
            "email=%s&password=wrong-password&_csrf=%s"
                .formatted(enc(alice.email()), enc(csrfCookie())));

    assertThat(login.statusCode()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).contains("error"));
    assertThat(send(HttpRequest.newBuilder(uri("/api/v1/me")).GET()).statusCode()).isEqualTo(401);
  }

  @Test
  void theSessionTableHoldsOnlyTheDigestOfASessionsId() throws Exception {
    Account bob = api.newAccount("Browser Digest");
    send(HttpRequest.newBuilder(uri("/login")).GET());
    HttpResponse<String> login =
        postForm(
            "/login",
            "email=%s&password=%s&_csrf=%s"
                .formatted(enc(bob.email()), enc(bob.password()), enc(csrfCookie())));
    assertThat(login.statusCode()).isEqualTo(302);
    String cookie = cookie("SESSION");
    // Spring Session's cookie carries the id in base64.
    String id = new String(Base64.getDecoder().decode(cookie), StandardCharsets.UTF_8);
    String digest =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
    assertThat(sessionRows(digest)).isOne();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM spring_session WHERE session_id IN (?, ?)"
                    + " OR principal_name = ? AND session_id <> ?",
                Integer.class,
                id,
                cookie,
                bob.email(),
                digest))
        .isZero();

    // The session works, request after request (each one updates its row by the digest)...
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> me = send(HttpRequest.newBuilder(uri("/api/v1/me")).GET());
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.body()).contains(bob.email());
    }
    assertThat(sessionRows(digest)).isOne();

    // ...and signing out deletes it by the digest. (Signing in replaced the CSRF token: a page
    // with a form hands out the new one.)
    send(HttpRequest.newBuilder(uri("/login")).GET());
    HttpResponse<String> logout = postForm("/logout", "_csrf=" + enc(csrfCookie()));
    assertThat(logout.statusCode()).isEqualTo(302);
    assertThat(sessionRows(digest)).isZero();
    HttpResponse<String> after =
        browser.send(
            HttpRequest.newBuilder(uri("/api/v1/me"))
                .header("Cookie", "SESSION=" + cookie)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(after.statusCode()).isEqualTo(401);
  }

  private int sessionRows(String digest) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM spring_session WHERE session_id = ?", Integer.class, digest);
  }

  private String cookie(String name) {
    return cookies.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals(name))
        .map(HttpCookie::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " cookie"));
  }

  private String csrfCookie() {
    return cookie("XSRF-TOKEN");
  }

  /** Posts a form, as a browser does. */
  private HttpResponse<String> postForm(String path, String form)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return browser.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create(url(path));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
