package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The caller's API keys through the API: create (shown once), list, use, revoke (refused from the
 * next request on), expiry, login keys' 30 days, the coarse last use, another user's key, hostile
 * input, CI tokens, and signing out everywhere.
 */
class ITApiKeys extends ApiIntegrationTest {
  private static final String KEYS = "/api/v1/me/api-keys";

  @Autowired JdbcTemplate jdbc;

  private Response create(Account account, String body) {
    return api.post(KEYS, account.apiKey(), body);
  }

  private JsonNode listed(Account account, String id) {
    Response list = api.get(KEYS, account.apiKey());
    assertThat(list.status()).as(list.body()).isEqualTo(200);
    for (JsonNode item : list.json().at("/items")) {
      if (item.at("/id").asString().equals(id)) {
        return item;
      }
    }
    return null;
  }

  private String login(Account account) {
    Response r =
        api.post(
            "/api/v1/login",
            null,
            "{\"email\": \"%s\", \"password\": \"%s\"}"
                .formatted(account.email(), account.password()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.text("/api_key");
  }

  private static void assertContractError(Response r, int status, String code) {
    assertContractError(r, status, code, "");
  }

  private static void assertContractError(Response r, int status, String code, String what) {
    assertThat(r.status()).as("%s: %s", what, r.body()).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/json");
    assertThat(r.text("/error")).as("%s: %s", what, r.body()).isEqualTo(code);
    assertThat(r.text("/message")).isNotBlank();
    assertThat(r.json().at("/details").isArray()).isTrue();
  }

  @Test
  void aCreatedKeyIsShownOnceListedUsableAndRefusedFromTheRequestAfterItsRevocation() {
    Account alice = api.newAccount("Keys");
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Response created = create(alice, "{\"name\": \"deploy script\", \"expires_in_days\": 7}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.text("/id");
    String key = created.text("/api_key");
    assertThat(key).startsWith("ub_key_");
    assertThat(created.json().size()).isEqualTo(2);

    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);

    JsonNode item = listed(alice, id);
    assertThat(item).isNotNull();
    assertThat(item.at("/name").asString()).isEqualTo("deploy script");
    Instant createdAt = Instant.parse(item.at("/created_at").asString());
    assertThat(createdAt).isBetween(before, Instant.now());
    assertThat(Instant.parse(item.at("/last_used_at").asString())).isAfterOrEqualTo(before);
    assertThat(Instant.parse(item.at("/expires_at").asString()))
        .isCloseTo(createdAt.plus(Duration.ofDays(7)), within(1, ChronoUnit.SECONDS));
    // The value is never listed, nor its digest.
    assertThat(item.propertyNames())
        .containsExactlyInAnyOrder("id", "name", "created_at", "last_used_at", "expires_at");
    assertThat(api.get(KEYS, alice.apiKey()).body()).doesNotContain(key);

    Response revoked = api.delete(KEYS + "/" + id, alice.apiKey());
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);
    Response refused = api.get("/api/v1/me", key);
    assertContractError(refused, 401, "unauthorized");
    assertThat(listed(alice, id)).isNull();
    assertContractError(api.delete(KEYS + "/" + id, alice.apiKey()), 404, "not_found");
    // The other keys are untouched.
    assertThat(api.get("/api/v1/me", alice.apiKey()).status()).isEqualTo(200);
  }

  @Test
  void aKeyWithoutExpiryDoesNotExpireAndAKeyMayRevokeItself() {
    Account alice = api.newAccount("Keys");
    Response created = create(alice, "{\"name\": \"forever\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(listed(alice, created.text("/id")).at("/expires_at").isNull()).isTrue();
    Response nullExpiry = create(alice, "{\"name\": \"forever too\", \"expires_in_days\": null}");
    assertThat(nullExpiry.status()).as(nullExpiry.body()).isEqualTo(201);
    assertThat(listed(alice, nullExpiry.text("/id")).at("/expires_at").isNull()).isTrue();

    String key = created.text("/api_key");
    assertThat(api.delete(KEYS + "/" + created.text("/id"), key).status()).isEqualTo(204);
    assertContractError(api.get(KEYS, key), 401, "unauthorized");
  }

  @Test
  void anExpiredKeyIsRefusedAndListedWithItsExpiry() {
    Account alice = api.newAccount("Keys");
    Response created = create(alice, "{\"name\": \"short\", \"expires_in_days\": 1}");
    String key = created.text("/api_key");
    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);

    Instant expiry = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
    jdbc.update(
        "UPDATE api_keys SET expires_at = ? WHERE id = ?",
        Timestamp.from(expiry),
        UUID.fromString(created.text("/id")));
    assertContractError(api.get("/api/v1/me", key), 401, "unauthorized");
    assertThat(api.get("/api/v1/me", key).raw().headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer");
    JsonNode item = listed(alice, created.text("/id"));
    assertThat(Instant.parse(item.at("/expires_at").asString())).isEqualTo(expiry);

    // Thirty days after expiring, a key drops off the list (and stays refused).
    jdbc.update(
        "UPDATE api_keys SET expires_at = now() - interval '31 days' WHERE id = ?",
        UUID.fromString(created.text("/id")));
    assertThat(listed(alice, created.text("/id"))).isNull();
    assertContractError(api.get("/api/v1/me", key), 401, "unauthorized");
  }

  @Test
  void anotherUsersKeyIdIsNotFoundAndTheKeyKeepsWorking() {
    Account alice = api.newAccount("Keys");
    Account mallory = api.newAccount("Keys");
    Response created = create(alice, "{\"name\": \"alice's\"}");
    String id = created.text("/id");

    Response stranger = api.delete(KEYS + "/" + id, mallory.apiKey());
    assertContractError(stranger, 404, "not_found");
    Response unknown = api.delete(KEYS + "/" + UUID.randomUUID(), mallory.apiKey());
    assertContractError(unknown, 404, "not_found");
    assertThat(stranger.text("/message")).isEqualTo(unknown.text("/message"));
    assertContractError(api.delete(KEYS + "/not-a-uuid", mallory.apiKey()), 404, "not_found");

    assertThat(api.get("/api/v1/me", created.text("/api_key")).status()).isEqualTo(200);
    assertThat(listed(alice, id)).isNotNull();
    assertThat(listed(mallory, id)).isNull();
    assertThat(api.get(KEYS, mallory.apiKey()).json().at("/items").size()).isOne();
  }

  @Test
  void loginAndSignUpKeysAreNamedAfterTheirDayAndExpireAfterThirtyDays() {
    Account alice = api.newAccount("Keys");
    String loginKey = login(alice);
    Response list = api.get(KEYS, loginKey);
    assertThat(list.status()).isEqualTo(200);
    List<JsonNode> items = list.json().at("/items").valueStream().toList();
    assertThat(items).hasSize(2); // the sign-up key and this login's
    String today = DateTimeFormatter.ISO_LOCAL_DATE.format(Instant.now().atOffset(ZoneOffset.UTC));
    for (JsonNode item : items) {
      assertThat(item.at("/name").asString()).isIn("login " + today, "login " + yesterday());
      Instant createdAt = Instant.parse(item.at("/created_at").asString());
      assertThat(Instant.parse(item.at("/expires_at").asString()))
          .isCloseTo(createdAt.plus(Duration.ofDays(30)), within(1, ChronoUnit.SECONDS));
    }
    Instant newest = Instant.parse(items.getFirst().at("/created_at").asString());
    Instant oldest = Instant.parse(items.getLast().at("/created_at").asString());
    assertThat(newest).isAfterOrEqualTo(oldest);
  }

  private static String yesterday() {
    // A test running across midnight UTC may see the sign-up on the day before.
    return DateTimeFormatter.ISO_LOCAL_DATE.format(
        Instant.now().minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC));
  }

  @Test
  void lastUsedIsWrittenAtMostOnceAMinutePerKey() {
    Account alice = api.newAccount("Keys");
    Response created = create(alice, "{\"name\": \"busy\"}");
    UUID id = UUID.fromString(created.text("/id"));
    String key = created.text("/api_key");
    assertThat(lastUsed(id)).isNull();

    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);
    Timestamp first = lastUsed(id);
    assertThat(first).isNotNull();
    for (int i = 0; i < 3; i++) {
      assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);
    }
    assertThat(lastUsed(id)).isEqualTo(first);

    // Once the recorded use is a minute old, the next request records itself.
    Timestamp old = Timestamp.from(Instant.now().minus(Duration.ofSeconds(61)));
    jdbc.update("UPDATE api_keys SET last_used_at = ? WHERE id = ?", old, id);
    assertThat(api.get("/api/v1/me", key).status()).isEqualTo(200);
    assertThat(lastUsed(id)).isAfter(first);
  }

  private Timestamp lastUsed(UUID id) {
    return jdbc.queryForObject(
        "SELECT last_used_at FROM api_keys WHERE id = ?", Timestamp.class, id);
  }

  @Test
  void hostileNamesAndLifetimesAreA400NamingTheFieldAndNothingIsCreated() {
    Account alice = api.newAccount("Keys");
    String longName = "a".repeat(100 * 1024);
    List<String> badNames =
        List.of(
            "{\"name\": \"a\\u0000b\"}",
            "{\"name\": \"\\u0000\"}",
            "{\"name\": \"a\\uD800\"}",
            "{\"name\": \"\\uDC00b\"}",
            "{\"name\": \"line\\nbreak\"}",
            "{\"name\": \"" + longName + "\"}",
            "{\"name\": \"" + "a".repeat(101) + "\"}",
            "{\"name\": \"\"}",
            "{\"name\": \"   \"}",
            "{\"name\": null}",
            "{}",
            "{\"name\": 5}",
            "{\"name\": [\"a\"]}");
    for (String body : badNames) {
      Response r = create(alice, body);
      assertContractError(r, 400, "invalid_payload");
      assertThat(r.json().at("/details").findValuesAsString("field"))
          .as(body.length() > 200 ? "100 KB name" : body)
          .containsExactly("name");
      assertThat(r.body()).doesNotContain("\u0000").doesNotContain(longName);
    }
    List<String> badLifetimes =
        List.of(
            "\"30\"",
            "-1",
            "0",
            "366",
            "2147483648",
            "99999999999999999999999",
            "1e400",
            "1e-400",
            "3.5",
            "-0",
            "true",
            "[30]",
            "{\"days\": 30}");
    for (String days : badLifetimes) {
      String body = "{\"name\": \"ok\", \"expires_in_days\": " + days + "}";
      Response r = create(alice, body);
      assertContractError(r, 400, "invalid_payload", body);
      assertThat(r.json().at("/details").findValuesAsString("field"))
          .as(body)
          .containsExactly("expires_in_days");
    }
    for (String body : List.of("null", "[]", "\"name\"", "")) {
      Response r = create(alice, body);
      assertThat(r.status()).as(body + ": " + r.body()).isEqualTo(400);
      assertThat(r.text("/error")).isIn("invalid_json", "invalid_payload");
    }
    // Only the sign-up key exists.
    assertThat(api.get(KEYS, alice.apiKey()).json().at("/items").size()).isOne();

    // The longest allowed name, with characters outside the BMP counted as one each.
    String hundred = "🔑".repeat(50) + "k".repeat(50);
    Response ok = create(alice, "{\"name\": \"" + hundred + "\", \"expires_in_days\": 365}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(listed(alice, ok.text("/id")).at("/name").asString()).isEqualTo(hundred);
  }

  @Test
  void aCiTokenCannotSeeOrManageKeys() {
    Account alice = api.newAccount("Keys");
    Response app =
        api.post("/api/v1/orgs/" + alice.orgId() + "/apps", alice.apiKey(), "{\"name\": \"shop\"}");
    String ci = app.text("/ci_token");
    String keyId = create(alice, "{\"name\": \"x\"}").text("/id");

    assertContractError(api.get(KEYS, ci), 403, "forbidden");
    assertContractError(api.post(KEYS, ci, "{\"name\": \"from ci\"}"), 403, "forbidden");
    assertContractError(api.delete(KEYS + "/" + keyId, ci), 403, "forbidden");
    assertContractError(api.post("/api/v1/me/sessions/revoke", ci, "{}"), 403, "forbidden");
    assertThat(listed(alice, keyId)).isNotNull();
    assertThat(api.get(KEYS, alice.apiKey()).json().at("/items").size()).isEqualTo(2);
  }

  @Test
  void signingOutEverywhereEndsEveryBrowserSessionAndTheOtherLoginKeys() {
    Account alice = api.newAccount("Keys");
    Browser laptop = new Browser(port).signIn(alice);
    Browser phone = new Browser(port).signIn(alice);
    assertThat(laptop.get("/apps").statusCode()).isEqualTo(200);
    assertThat(phone.get("/apps").statusCode()).isEqualTo(200);
    // One session as stored before principals were named by the user's id (by the principal
    // record's toString()), so that sessions from before the upgrade end too.
    assertThat(
            jdbc.update(
                """
                UPDATE spring_session SET principal_name = ?
                WHERE primary_id = (SELECT min(primary_id) FROM spring_session
                                    WHERE principal_name = ?)
                """,
                "CurrentUser[id=" + alice.userId() + ", email=" + alice.email() + "]",
                alice.userId().toString()))
        .isOne();
    String otherLogin = login(alice);
    String thisLogin = login(alice);
    String personal = create(alice, "{\"name\": \"ci\"}").text("/api_key");
    // Someone else's sessions and keys are not touched.
    Account bob = api.newAccount("Keys");
    Browser bobs = new Browser(port).signIn(bob);

    Response r = api.post("/api/v1/me/sessions/revoke", thisLogin, "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().at("/sessions_ended").asInt()).isEqualTo(2);
    assertThat(r.json().at("/login_keys_revoked").asInt()).isEqualTo(2); // sign-up's and other

    for (Browser b : List.of(laptop, phone)) {
      var page = b.get("/apps");
      assertThat(page.statusCode()).isEqualTo(302);
      assertThat(page.headers().firstValue("Location").orElse("")).endsWith("/login");
      assertThat(b.getJson("/api/v1/me").statusCode()).isEqualTo(401);
    }
    assertContractError(api.get("/api/v1/me", otherLogin), 401, "unauthorized");
    assertContractError(api.get("/api/v1/me", alice.apiKey()), 401, "unauthorized");
    assertThat(api.get("/api/v1/me", thisLogin).status()).isEqualTo(200);
    assertThat(api.get("/api/v1/me", personal).status()).isEqualTo(200);
    assertThat(bobs.get("/apps").statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/me", bob.apiKey()).status()).isEqualTo(200);

    // The same from a browser session over the JSON API, with its CSRF token; without, 403.
    Browser tablet = new Browser(port).signIn(alice);
    assertThat(tablet.postWithoutCsrf("/api/v1/me/sessions/revoke").statusCode()).isEqualTo(403);
    assertThat(tablet.get("/apps").statusCode()).isEqualTo(200);
  }
}
