package io.upbeat.api;

import io.upbeat.localstack.junit.TestHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls a running api-service the way a script would: JSON over HTTP with a bearer API key. */
final class ApiClient {
  private static final JsonMapper JSON = JsonMapper.shared();

  private final String base;

  ApiClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A response with its body parsed (a missing node when the body is empty or not JSON). */
  record Response(int status, JsonNode json, String body, HttpResponse<String> raw) {
    String text(String pointer) {
      return json.at(pointer).asString();
    }
  }

  /** A signed-up user with their first org. */
  record Account(String email, String password, String apiKey, UUID userId, UUID orgId) {}

  Account signup(String email, String orgName) {
    String password = "correct horse battery " + UUID.randomUUID();
    Response r =
        post(
            "/api/v1/signup",
            null,
            """
            {"email": "%s", "password": "%s", "name": "Test User", "org_name": "%s"}
            """
                .formatted(email, password, orgName));
    if (r.status() != 201) {
      throw new AssertionError("sign-up failed: " + r.status() + " " + r.body());
    }
    return new Account(
        email,
        password,
        r.text("/api_key"),
        UUID.fromString(r.text("/user/id")),
        UUID.fromString(r.text("/org/id")));
  }

  /** Signs up a user with a unique e-mail. */
  Account newAccount(String orgName) {
    return signup("user-" + UUID.randomUUID() + "@example.com", orgName);
  }

  Response get(String path, String apiKey) {
    return send(request(path, apiKey).GET());
  }

  Response post(String path, String apiKey, String json) {
    return send(
        request(path, apiKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Response patch(String path, String apiKey, String json) {
    return send(
        request(path, apiKey)
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
  }

  Response put(String path, String apiKey, String contentType, String body) {
    return send(
        request(path, apiKey)
            .header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  Response delete(String path, String apiKey) {
    return send(request(path, apiKey).DELETE());
  }

  Response send(HttpRequest.Builder request) {
    HttpResponse<String> raw = TestHttp.send(request);
    JsonNode json;
    try {
      json = JSON.readTree(raw.body());
    } catch (RuntimeException e) {
      json = JSON.missingNode();
    }
    return new Response(
        raw.statusCode(), json == null ? JSON.missingNode() : json, raw.body(), raw);
  }

  HttpRequest.Builder request(String path, String apiKey) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }
}
