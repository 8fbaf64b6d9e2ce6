package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * A browser as far as the dashboard can tell: it signs in with the form, keeps the session and
 * XSRF-TOKEN cookies, asks for pages as HTML, and makes htmx-style requests (with {@code
 * HX-Request} and, unless told not to, the {@code X-XSRF-TOKEN} header that upbeat.js adds).
 */
final class PageSession {
  private final String base;
  private final CookieManager cookies = new CookieManager();
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(cookies)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  PageSession(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** Signs in through the login form; fails the test if that does not start a session. */
  PageSession login(Account account) {
    assertThat(get("/login").statusCode()).isEqualTo(200);
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "email=%s&password=%s&_csrf=%s"
                            .formatted(
                                enc(account.email()), enc(account.password()), enc(csrf())))));
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("Location").orElse("")).doesNotContain("error");
    return this;
  }

  /** A GET as a browser navigating: {@code Accept: text/html}. */
  HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html").GET());
  }

  /** A page that must answer 200, parsed. */
  Document page(String path) {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    return Jsoup.parse(r.body(), base + path);
  }

  /** An htmx GET (a poll): what htmx sends, no CSRF header needed. */
  HttpResponse<String> htmxGet(String path) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("HX-Request", "true")
            .header("Accept", "*/*")
            .GET());
  }

  /** An htmx request with a form-encoded body, carrying the CSRF header when {@code withCsrf}. */
  HttpResponse<String> htmx(String method, String path, String form, boolean withCsrf) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("HX-Request", "true")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .method(method, HttpRequest.BodyPublishers.ofString(form));
    if (withCsrf) {
      b.header("X-XSRF-TOKEN", csrf());
    }
    return send(b);
  }

  String csrf() {
    return cookies.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals("XSRF-TOKEN"))
        .map(HttpCookie::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no XSRF-TOKEN cookie"));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
