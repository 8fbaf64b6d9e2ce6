package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Sign-up, login and /me, with every refusal a client can provoke. */
class ITAccounts extends ApiIntegrationTest {

  private static String email() {
    return "alice-" + UUID.randomUUID() + "@example.com";
  }

  @Test
  void signUpCreatesTheUserTheirOrgAndAnApiKey() {
    String email = email();
    Response r =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "%s", "password": "a long enough password", "name": "Alice",
             "org_name": "Acme Shop GmbH"}
            """
                .formatted(email));

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.text("/user/email")).isEqualTo(email);
    assertThat(r.text("/user/name")).isEqualTo("Alice");
    assertThat(UUID.fromString(r.text("/user/id"))).isNotNull();
    assertThat(r.text("/org/name")).isEqualTo("Acme Shop GmbH");
    assertThat(r.text("/org/slug")).startsWith("acme-shop-gmbh");
    assertThat(r.text("/api_key")).startsWith("ub_key_").hasSizeGreaterThan(40);

    Response me = api.get("/api/v1/me", r.text("/api_key"));
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.text("/user/id")).isEqualTo(r.text("/user/id"));
    assertThat(me.json().at("/orgs")).hasSize(1);
    assertThat(me.text("/orgs/0/id")).isEqualTo(r.text("/org/id"));
    assertThat(me.text("/orgs/0/role")).isEqualTo("owner");
  }

  @Test
  void aSecondSignUpWithTheSameEmailConflictsRegardlessOfCase() {
    String email = email();
    api.signup(email, "First");

    Response again =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "%s", "password": "another long password", "org_name": "Second"}
            """
                .formatted(email.toUpperCase()));

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("/error")).isEqualTo("conflict");
  }

  @Test
  void refusesWeakOrMissingFieldsNamingEachField() {
    Response weak =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "not-an-email", "password": "short", "name": "x"}
            """);

    assertThat(weak.status()).isEqualTo(400);
    assertThat(weak.text("/error")).isEqualTo("invalid_payload");
    assertThat(weak.json().at("/details").findValuesAsString("field"))
        .containsExactlyInAnyOrder("email", "password", "org_name");
    assertThat(weak.body()).contains("at least 10 characters");
  }

  @Test
  void refusesAPasswordBcryptWouldCut() {
    Response r =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "%s", "password": "%s", "org_name": "Long"}
            """
                .formatted(email(), "x".repeat(73)));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text("/details/0/field")).isEqualTo("password");
  }

  @Test
  void refusesBrokenJsonAndCoercedTypes() {
    Response broken = api.post("/api/v1/signup", null, "{\"email\": ");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.text("/error")).isEqualTo("invalid_json");

    Response duplicateKey =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "a@example.com", "email": "b@example.com", "password": "long enough pw",
             "org_name": "Dup"}
            """);
    assertThat(duplicateKey.status()).isEqualTo(400);
    assertThat(duplicateKey.text("/error")).isEqualTo("invalid_json");

    Response numberForString =
        api.post(
            "/api/v1/signup",
            null,
            """
            {"email": "%s", "password": 12345678901234, "org_name": "Types"}
            """
                .formatted(email()));
    assertThat(numberForString.status()).isEqualTo(400);
    assertThat(numberForString.text("/error")).isEqualTo("invalid_payload");
    assertThat(numberForString.text("/details/0/field")).isEqualTo("password");

    Response trailing =
        api.post("/api/v1/login", null, "{\"email\": \"a\", \"password\": \"b\"} {}");
    assertThat(trailing.status()).isEqualTo(400);
    assertThat(trailing.text("/error")).isEqualTo("invalid_json");
  }

  @Test
  void refusesAWrongContentType() {
    Response r =
        api.send(
            api.request("/api/v1/signup", null)
                .header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")));
    assertThat(r.status()).isEqualTo(415);
    assertThat(r.text("/error")).isEqualTo("unsupported_media_type");
  }

  @Test
  void loginReturnsANewWorkingKey() {
    Account alice = api.newAccount("Login");

    Response login =
        api.post(
            "/api/v1/login",
            null,
            """
            {"email": "%s", "password": "%s"}
            """
                .formatted(alice.email().toUpperCase(), alice.password()));

    assertThat(login.status()).isEqualTo(200);
    String key = login.text("/api_key");
    assertThat(key).startsWith("ub_key_").isNotEqualTo(alice.apiKey());
    assertThat(api.get("/api/v1/me", key).text("/user/email")).isEqualTo(alice.email());
    // The sign-up key keeps working: logging in elsewhere does not sign anyone out.
    assertThat(api.get("/api/v1/me", alice.apiKey()).status()).isEqualTo(200);
  }

  @Test
  void badCredentialsAre401WithoutSayingWhichWasWrong() {
    Account alice = api.newAccount("Bad login");

    Response wrongPassword =
        api.post(
            "/api/v1/login",
            null,
            """
            {"email": "%s", "password": "not the password"}
            """
                .formatted(alice.email()));
    Response unknownEmail =
        api.post(
            "/api/v1/login",
            null,
            """
            {"email": "%s", "password": "whatever it is"}
            """
                .formatted(email()));

    for (Response r : new Response[] {wrongPassword, unknownEmail}) {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.text("/error")).isEqualTo("unauthorized");
    }
    assertThat(wrongPassword.text("/message")).isEqualTo(unknownEmail.text("/message"));
  }

  @Test
  void meNeedsAValidKey() {
    Response none = api.get("/api/v1/me", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.text("/error")).isEqualTo("unauthorized");
    assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    // Refused and API-key requests never start a session (a row per request otherwise).
    assertThat(none.raw().headers().allValues("Set-Cookie")).isEmpty();
    String key = api.newAccount("No session").apiKey();
    assertThat(api.get("/api/v1/me", key).raw().headers().allValues("Set-Cookie")).isEmpty();

    Response forged = api.get("/api/v1/me", "ub_key_" + "A".repeat(43));
    assertThat(forged.status()).isEqualTo(401);
    assertThat(forged.text("/error")).isEqualTo("unauthorized");

    Response basic =
        api.send(api.request("/api/v1/me", null).header("Authorization", "Basic dXNlcjpwdw=="));
    assertThat(basic.status()).isEqualTo(401);
  }
}
