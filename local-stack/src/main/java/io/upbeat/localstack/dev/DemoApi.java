package io.upbeat.localstack.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The few calls {@code --demo} makes to Upbeat's JSON API and intake, as any script would make
 * them. Every unexpected answer is a {@link DemoException} naming the call and the API's message.
 */
final class DemoApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String api;
  private final String intake;
  private final HttpClient http;

  DemoApi(String apiUrl, String intakeUrl) {
    this.api = apiUrl;
    this.intake = intakeUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The signup answer, or empty when the e-mail is taken (409). */
  Optional<JsonNode> signup(String email, String password, String name, String orgName) {
    ObjectNode body = JSON.createObjectNode();
    body.put("email", email).put("password", password).put("name", name);
    body.put("org_name", orgName);
    Answer a = send("POST", "/api/v1/signup", null, body);
    if (a.status() == 409) {
      return Optional.empty();
    }
    return Optional.of(a.expect(201, "sign up"));
  }

  /** Uses an e-mail verification token; whether it was accepted. */
  boolean verifyEmail(String token) {
    return send(
                "POST",
                "/api/v1/email-verifications/confirm",
                null,
                JSON.createObjectNode().put("token", token))
            .status()
        == 200;
  }

  /** A new API key, or empty when the credentials are refused (401). */
  Optional<String> login(String email, String password) {
    ObjectNode body = JSON.createObjectNode().put("email", email).put("password", password);
    Answer a = send("POST", "/api/v1/login", null, body);
    if (a.status() == 401) {
      return Optional.empty();
    }
    return Optional.of(a.expect(200, "log in").path("api_key").asText());
  }

  /** {@code {"id", "name", "org_id", "secret_token", "ci_token"}}. */
  JsonNode createApp(String apiKey, String orgId, String name) {
    return send(
            "POST",
            "/api/v1/orgs/" + orgId + "/apps",
            apiKey,
            JSON.createObjectNode().put("name", name))
        .expect(201, "create the app");
  }

  boolean appExists(String apiKey, String appId) {
    Answer a = send("GET", "/api/v1/apps/" + appId, apiKey, null);
    if (a.status() == 404) {
      return false;
    }
    a.expect(200, "read the app");
    return true;
  }

  /** A new token of {@code kind} ({@code secret} or {@code ci}); the old one stops working. */
  String rotate(String apiKey, String appId, String kind) {
    return send(
            "POST",
            "/api/v1/apps/" + appId + "/tokens/rotate",
            apiKey,
            JSON.createObjectNode().put("kind", kind))
        .expect(200, "rotate the " + kind + " token")
        .path("token")
        .asText();
  }

  boolean releaseExists(String apiKey, String appId, String version) {
    Answer a = send("GET", "/api/v1/apps/" + appId + "/releases/" + version, apiKey, null);
    if (a.status() == 404) {
      return false;
    }
    a.expect(200, "read release " + version);
    return true;
  }

  /** Posts a release without commits (when git is missing). */
  void postRelease(String ciToken, String appId, String version) {
    Answer a =
        send(
            "POST",
            "/api/v1/apps/" + appId + "/releases",
            ciToken,
            JSON.createObjectNode().put("version", version));
    if (a.status() != 200) {
      a.expect(201, "post release " + version);
    }
  }

  /** Whether the API takes {@code ciToken} for the app's releases (it may have been rotated). */
  boolean ciTokenWorks(String ciToken, String appId) {
    int status = send("GET", "/api/v1/apps/" + appId + "/releases/latest", ciToken, null).status();
    return status == 200 || status == 404;
  }

  /**
   * Whether intake takes {@code secretToken} now: it posts a batch with no events, which changes
   * nothing. A token reaches intake through Kafka, so a new one may need a moment.
   */
  boolean intakeAccepts(String secretToken) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(intake + "/v1/events"))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + secretToken)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"service\":{\"name\":\"shop\"}}"))
            .build();
    return exchange(request, "probe intake").status() == 202;
  }

  private Answer send(String method, String path, String bearer, JsonNode body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(api + path))
            .timeout(TIMEOUT)
            .header("Accept", "application/json");
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    return exchange(b.build(), method + " " + path);
  }

  private Answer exchange(HttpRequest request, String what) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new DemoException("cannot " + what + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoException("interrupted while trying to " + what, e);
    }
  }

  private record Answer(int status, String body) {
    JsonNode expect(int expected, String action) {
      if (status != expected) {
        throw new DemoException("cannot %s: HTTP %d %s".formatted(action, status, message()), null);
      }
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new DemoException("cannot " + action + ": the answer is not JSON", e);
      }
    }

    private String message() {
      try {
        return JSON.readTree(body).path("message").asText("");
      } catch (IOException e) {
        return "";
      }
    }
  }

  /** The demo cannot go on; its message is for the user. */
  static final class DemoException extends RuntimeException {
    DemoException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
