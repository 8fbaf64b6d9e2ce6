package io.upbeat.agent.release;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The two API calls the release command makes, over an injectable {@link Http}. */
final class ReleaseApi {
  /** Sends one request; {@code body} null for a GET. */
  @FunctionalInterface
  interface Http {
    Response send(String method, URI uri, String token, String body)
        throws IOException, InterruptedException;
  }

  record Response(int status, String body) {}

  /** The environment's newest release; {@code headSha} null if it was posted without one. */
  record Latest(String version, String headSha) {}

  /** What the API answered to the post. */
  record Posted(boolean created, int commitCount) {}

  /** A refusal or an unreachable API, with a message for the user. */
  static final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    ApiException(String message) {
      super(message);
    }
  }

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final String base;
  private final String app;
  private final String token;
  private final Http http;

  ReleaseApi(String apiUrl, String app, String token, Http http) {
    this.base = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
    this.app = app;
    this.token = token;
    this.http = http;
  }

  /** The JDK's HTTP client. */
  static Http jdkHttp() {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return (method, uri, token, body) -> {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(REQUEST_TIMEOUT)
              .header("Authorization", "Bearer " + token)
              .header("Accept", "application/json")
              .header("User-Agent", "upbeat-release");
      if (body == null) {
        b.GET();
      } else {
        b.header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      }
      HttpResponse<String> r =
          client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.body());
    };
  }

  private String releases() {
    return base + "/api/v1/apps/" + encode(app) + "/releases";
  }

  /** The newest release of {@code environment}, or empty when the app has none (404). */
  Optional<Latest> latest(String environment) throws ApiException {
    Response r =
        send("GET", URI.create(releases() + "/latest?environment=" + encode(environment)), null);
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw refused("could not read the latest release", r);
    }
    Object json = parse(r);
    return Optional.of(new Latest(Json.string(json, "version"), Json.string(json, "head_sha")));
  }

  /** Posts the release; 201 created, 200 merged into the existing one. */
  Posted post(String json) throws ApiException {
    Response r = send("POST", URI.create(releases()), json);
    if (r.status() != 200 && r.status() != 201) {
      throw refused("the release was refused", r);
    }
    Double count = Json.number(parse(r), "commit_count");
    return new Posted(r.status() == 201, count == null ? -1 : count.intValue());
  }

  private Response send(String method, URI uri, String body) throws ApiException {
    try {
      return http.send(method, uri, token, body);
    } catch (IOException e) {
      throw new ApiException("could not reach the API at " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException("interrupted while calling the API");
    } catch (IllegalArgumentException e) {
      throw new ApiException("bad API URL " + base + ": " + e.getMessage());
    }
  }

  private static Object parse(Response r) throws ApiException {
    try {
      return Json.parse(r.body());
    } catch (IllegalArgumentException e) {
      throw new ApiException(
          "the API answered HTTP " + r.status() + " with a body that is not JSON");
    }
  }

  /** The contract's error body as one line: message, then each detail's field and problem. */
  private static ApiException refused(String what, Response r) {
    StringBuilder b = new StringBuilder(what).append(" (HTTP ").append(r.status()).append(")");
    Object json;
    try {
      json = Json.parse(r.body());
    } catch (IllegalArgumentException e) {
      String body = r.body() == null ? "" : r.body().strip();
      if (!body.isEmpty()) {
        b.append(": ").append(body, 0, Math.min(body.length(), 200));
      }
      return new ApiException(b.toString());
    }
    String error = Json.string(json, "error");
    String message = Json.string(json, "message");
    if (message != null) {
      b.append(": ").append(message);
    }
    if (error != null) {
      b.append(" [").append(error).append("]");
    }
    if (json instanceof Map<?, ?> m && m.get("details") instanceof List<?> details) {
      for (Object d : details) {
        b.append("\n  ")
            .append(Json.string(d, "field"))
            .append(": ")
            .append(Json.string(d, "problem"));
      }
    }
    return new ApiException(b.toString());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
