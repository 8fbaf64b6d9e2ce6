package io.upbeat.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.upbeat.localstack.junit.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Upbeat's JSON API and intake as a script calls them, for the system tests. */
final class JsonApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;

  JsonApi(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  /** GETs {@code path} with the bearer {@code key}; anything but 200 fails the test. */
  JsonNode get(String path, String key) {
    return call("GET", path, key, null, 200);
  }

  /** POSTs {@code json} with the bearer {@code key} (or none); expects {@code status}. */
  JsonNode post(String path, String key, String json, int status) {
    return call("POST", path, key, json, status);
  }

  /** A signed-up account's API key and an app it created (as the API answered it, with tokens). */
  record SignedUp(String apiKey, JsonNode app) {}

  /** Signs up {@code email} with a new org, and creates an app named {@code appName} in it. */
  SignedUp signUpWithApp(String email, String orgName, String appName) {
    JsonNode signup =
        post(
            "/api/v1/signup",
            null,
            JSON.createObjectNode()
                .put("email", email)
                .put("password", "long enough password")
                .put("org_name", orgName)
                .toString(),
            201);
    String key = signup.path("api_key").asText();
    JsonNode app =
        post(
            "/api/v1/orgs/" + signup.path("org").path("id").asText() + "/apps",
            key,
            JSON.createObjectNode().put("name", appName).toString(),
            201);
    return new SignedUp(key, app);
  }

  /** A new API key for the e-mail and password. */
  String login(String email, String password) {
    return post(
            "/api/v1/login",
            null,
            JSON.createObjectNode().put("email", email).put("password", password).toString(),
            200)
        .path("api_key")
        .asText();
  }

  /** The status intake answers for a one-transaction batch sent with {@code token}. */
  int sendEvents(String token, String json) {
    return TestHttp.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/v1/events"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)))
        .statusCode();
  }

  private JsonNode call(String method, String path, String key, String json, int status) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Accept", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (json == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    HttpResponse<String> r = TestHttp.send(b);
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(status);
    return parse(r.body());
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first of a list answer's {@code items} that {@code matches}, or a missing node. */
  static JsonNode item(JsonNode list, Predicate<JsonNode> matches) {
    for (JsonNode item : list.path("items")) {
      if (matches.test(item)) {
        return item;
      }
    }
    return MissingNode.getInstance();
  }

  /** Every span of every sample in a {@code /transactions/samples} answer. */
  static List<JsonNode> spans(JsonNode samples) {
    List<JsonNode> spans = new ArrayList<>();
    samples.path("items").forEach(sample -> sample.path("spans").forEach(spans::add));
    return spans;
  }

  /** The number {@code field} of {@code node}; fails the test if it is missing or no number. */
  static double number(JsonNode node, String field) {
    JsonNode value = node.path(field);
    assertThat(value.isNumber()).as("number %s in %s", field, node).isTrue();
    return value.doubleValue();
  }

  /** Every string value in {@code node}, at any depth. */
  static List<String> texts(JsonNode node) {
    if (node.isTextual()) {
      return List.of(node.textValue());
    }
    List<String> texts = new ArrayList<>();
    node.forEach(child -> texts.addAll(texts(child)));
    return texts;
  }
}
