package io.upbeat.api;

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
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser for the dashboard's tests: keeps cookies (the session and the XSRF-TOKEN), follows no
 * redirects, asks for HTML, posts forms with their {@code _csrf} field, and makes htmx requests
 * (the {@code HX-Request} header and the token as {@code X-XSRF-TOKEN}, as upbeat.js sends them).
 */
final class Browser {
  private final CookieManager cookies = new CookieManager();
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(cookies)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final String base;

  Browser(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** Signs in with the login form, as a person would. */
  Browser signIn(Account account) {
    get("/login");
    HttpResponse<String> login =
        post("/login", "email", account.email(), "password", account.password());
    if (login.statusCode() != 302
        || login.headers().firstValue("Location").orElse("").contains("error")) {
      throw new AssertionError("sign-in failed: " + login.statusCode() + " " + login.headers());
    }
    return this;
  }

  HttpResponse<String> get(String path) {
    return send(request(path).header("Accept", "text/html").GET());
  }

  /** A JSON API call riding on the session (reads need no CSRF token). */
  HttpResponse<String> getJson(String path) {
    return send(request(path).header("Accept", "application/json").GET());
  }

  /** Posts a form ({@code name, value, name, value, ...}) with the CSRF field. */
  HttpResponse<String> post(String path, String... fields) {
    return send(
        request(path)
            .header("Accept", "text/html")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(csrf(), fields))));
  }

  /** Posts a form without the CSRF field, as a page on another site would. */
  HttpResponse<String> postWithoutCsrf(String path, String... fields) {
    return send(
        request(path)
            .header("Accept", "text/html")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(null, fields))));
  }

  /** What htmx sends for {@code hx-post} on a form: its fields, HX-Request and the CSRF header. */
  HttpResponse<String> htmxPost(String path, String... fields) {
    return send(
        request(path)
            .header("Accept", "text/html")
            .header("HX-Request", "true")
            .header("X-XSRF-TOKEN", csrf())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(null, fields))));
  }

  /** What htmx sends for {@code hx-get}. */
  HttpResponse<String> htmxGet(String path) {
    return send(request(path).header("Accept", "text/html").header("HX-Request", "true").GET());
  }

  boolean hasSession() {
    return cookie("SESSION").isPresent();
  }

  /** The CSRF token; loads a page that renders forms first if the browser has none yet. */
  String csrf() {
    Optional<String> token = cookie("XSRF-TOKEN");
    if (token.isEmpty()) {
      get(hasSession() ? "/apps" : "/login");
      token = cookie("XSRF-TOKEN");
    }
    return token.orElseThrow(() -> new AssertionError("no XSRF-TOKEN cookie"));
  }

  private Optional<String> cookie(String name) {
    return cookies.getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals(name))
        .map(HttpCookie::getValue)
        .findFirst();
  }

  private static String form(String csrf, String... fields) {
    StringJoiner body = new StringJoiner("&");
    for (int i = 0; i + 1 < fields.length; i += 2) {
      body.add(enc(fields[i]) + "=" + enc(fields[i + 1]));
    }
    if (csrf != null) {
      body.add("_csrf=" + enc(csrf));
    }
    return body.toString();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
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

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The text of the element with this id (first match; no nested elements). */
  static String textOf(String html, String id) {
    Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\"[^>]*>([^<]*)<").matcher(html);
    if (!m.find()) {
      throw new AssertionError("no element #" + id + " in:\n" + html);
    }
    return m.group(1).trim();
  }

  /** The {@code data-value} attribute of the element with this id, or null without one. */
  static String dataValueOf(String html, String id) {
    Matcher m = Pattern.compile("<[^>]*id=\"" + Pattern.quote(id) + "\"[^>]*>").matcher(html);
    if (!m.find()) {
      throw new AssertionError("no element #" + id + " in:\n" + html);
    }
    Matcher v = Pattern.compile("data-value=\"([^\"]*)\"").matcher(m.group());
    return v.find() ? v.group(1) : null;
  }

  /** How often {@code needle} occurs in {@code haystack}. */
  static int occurrences(String haystack, String needle) {
    int count = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      count++;
    }
    return count;
  }
}
