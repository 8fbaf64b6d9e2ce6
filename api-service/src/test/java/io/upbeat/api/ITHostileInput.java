package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a hostile or broken client can send to the API: ill-formed UTF-8 in bodies, NUL and unpaired
 * surrogates as JSON escapes, NUL in parameters, bodies over the limit. Every answer is the
 * contract's: a clean 4xx with the error body naming the field, or the text stored with U+FFFD.
 */
class ITHostileInput extends ApiIntegrationTest {
  private static final byte[] OVERLONG_SLASH = {(byte) 0xC0, (byte) 0xAF};

  @Autowired JdbcTemplate jdbc;
  @Autowired MeterRegistry meters;

  Account owner;
  String appId;

  @BeforeEach
  void app() {
    owner = api.newAccount("Hostile Input");
    appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
  }

  private String releases() {
    return "/api/v1/apps/" + appId + "/releases";
  }

  private Response postBytes(String path, String contentType, byte[] body) {
    return api.send(
        api.request(path, owner.apiKey())
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private double replaced(String source) {
    var counter = meters.find("upbeat.api.text.replaced").tag("source", source).counter();
    return counter == null ? 0 : counter.count();
  }

  private static void assertContractError(Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/json");
    assertThat(r.text("/error")).isEqualTo(code);
    assertThat(r.text("/message")).isNotBlank();
    assertThat(r.json().at("/details").isArray()).isTrue();
  }

  @Test
  void aReleaseWithANulInItsVersionIsStoredWithAReplacementCharacterAndReadBack() {
    double before = replaced("json");
    Response r =
        api.post(
            releases(),
            owner.apiKey(),
            """
            {"version": "1.0\\u0000", "deployer": "a\\uD800b", "commits": [{"sha": "%s",
             "message": "fix \\u0000 and \\uDC00", "author_name": "\\u0000"}]}
            """
                .formatted("9fceb02d0ae598e95dc970b74767f19372d61af8"));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.text("/version")).isEqualTo("1.0\uFFFD");
    assertThat(replaced("json") - before).isEqualTo(5);

    Response read =
        api.get(
            releases() + "/" + URLEncoder.encode("1.0\uFFFD", StandardCharsets.UTF_8),
            owner.apiKey());
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    assertThat(read.text("/version")).isEqualTo("1.0\uFFFD");
    assertThat(read.text("/deployer")).isEqualTo("a\uFFFDb");
    assertThat(read.text("/commits/0/message")).isEqualTo("fix \uFFFD and \uFFFD");
  }

  @Test
  void aNulOrIllFormedUtf8InAQueryParameterIsA400NamingIt() {
    for (String value : new String[] {"%00", "a%00b", "%C0%AF", "%ED%A0%80", "%FF"}) {
      java.util.Map<String, String> cases =
          java.util.Map.of(
              "/api/v1/apps/" + appId + "/transactions?environment=" + value, "environment",
              "/api/v1/apps/" + appId + "/metrics/response-time?interval=1m&transaction=" + value,
                  "transaction",
              releases() + "?environment=" + value + "&limit=5", "environment",
              "/api/v1/apps/" + appId + "/errors?status=all&release=" + value, "release");
      cases.forEach(
          (path, field) -> {
            Response r = api.get(path, owner.apiKey());
            assertContractError(r, 400, "invalid_payload");
            assertThat(r.json().at("/details").findValuesAsString("field"))
                .as(path)
                .containsExactly(field);
          });
    }
    // The refusal comes before authentication, so it names the parameter for anyone.
    Response anonymous = api.get(releases() + "?environment=%00", null);
    assertContractError(anonymous, 400, "invalid_payload");
    assertThat(anonymous.text("/details/0/field")).isEqualTo("environment");
  }

  @Test
  void aNulOrIllFormedUtf8InThePathIsA400NamingThePathVariable() {
    for (String segment : new String[] {"%00", "a%00", "%C0%AF", "%ED%A0%80", "a%2Fb"}) {
      Response r = api.get(releases() + "/" + segment, owner.apiKey());
      assertContractError(r, 400, "invalid_payload");
      assertThat(r.text("/details/0/field")).isEqualTo("version");
      Response app = api.get("/api/v1/apps/" + segment, owner.apiKey());
      assertContractError(app, 400, "invalid_payload");
      assertThat(app.text("/details/0/field")).isEqualTo("appId");
    }
    // A path no route matches is named as a whole.
    Response nowhere = api.get("/api/v1/nowhere/a%00/b", null);
    assertContractError(nowhere, 400, "invalid_payload");
    assertThat(nowhere.text("/details/0/field")).isEqualTo("path");
  }

  @Test
  void illFormedUtf8InAJsonBodyIsA400NamingTheFieldAndNothingIsWritten() {
    byte[][] bad = {
      OVERLONG_SLASH,
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
      {(byte) 0xFF},
      {(byte) 0xE2, (byte) 0x82} // truncated
    };
    for (byte[] b : bad) {
      Response r =
          postBytes(
              releases(),
              "application/json",
              concat(
                  "{\"version\": \"2.0\", \"commits\": [{\"sha\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\","
                      + " \"message\": \"x",
                  b,
                  "\"}]}"));
      assertContractError(r, 400, "invalid_json");
      assertThat(r.text("/details/0/field")).isEqualTo("commits[0].message");
      assertThat(r.text("/details/0/problem")).isEqualTo("is not well-formed UTF-8");
    }
    assertThat(api.get(releases(), owner.apiKey()).json().at("/items").size()).isZero();

    // UTF-16 JSON (which Jackson would detect and read) could carry escapes past the rewrite.
    Response utf16 =
        postBytes(
            releases(),
            "application/json",
            "{\"version\": \"3.0\\u0000\"}".getBytes(StandardCharsets.UTF_16BE));
    assertContractError(utf16, 400, "invalid_json");
    Response rawNul =
        postBytes(
            releases(), "application/json", concat("{\"version\": \"4.0", new byte[] {0}, "\"}"));
    assertContractError(rawNul, 400, "invalid_json");
    assertThat(rawNul.text("/details/0/field")).isEqualTo("version");
    assertThat(api.get(releases(), owner.apiKey()).json().at("/items").size()).isZero();

    Response inVersion =
        postBytes(
            releases(), "application/json", concat("{\"version\": \"", OVERLONG_SLASH, "\"}"));
    assertThat(inVersion.text("/details/0/field")).isEqualTo("version");
  }

  @Test
  void bodiesOverOneMebibyteAreRefusedWith413WithOrWithoutContentLength() {
    byte[] twoMib = new byte[2 * 1024 * 1024];
    Arrays.fill(twoMib, (byte) ' ');
    twoMib[0] = '{';
    twoMib[twoMib.length - 1] = '}';
    assertContractError(
        postBytes(releases(), "application/json", twoMib), 413, "payload_too_large");

    Response chunked =
        api.send(
            api.request(releases(), owner.apiKey())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(twoMib))));
    assertContractError(chunked, 413, "payload_too_large");

    // Exactly 1 MiB is allowed (the release itself is then judged on its content).
    byte[] oneMib = new byte[1024 * 1024];
    Arrays.fill(oneMib, (byte) ' ');
    byte[] release = "{\"version\": \"big\"}".getBytes(StandardCharsets.UTF_8);
    System.arraycopy(release, 0, oneMib, 0, release.length);
    assertThat(postBytes(releases(), "application/json", oneMib).status()).isEqualTo(201);

    // Without credentials too: the limit comes before anything else.
    Response anonymous =
        api.send(
            api.request("/api/v1/signup", null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(twoMib)));
    assertContractError(anonymous, 413, "payload_too_large");
  }

  @Test
  void theOwnershipTextBodyIsCheckedAndReplacedToo() {
    String ownership = "/api/v1/apps/" + appId + "/ownership";
    Response bad =
        api.send(
            api.request(ownership, owner.apiKey())
                .header("Content-Type", "text/plain")
                .PUT(
                    HttpRequest.BodyPublishers.ofByteArray(
                        concat("a/ x@example.com\n# ", OVERLONG_SLASH, "\n"))));
    assertContractError(bad, 400, "invalid_payload");
    assertThat(bad.text("/details/0/field")).isEqualTo("line 2");

    double before = replaced("text");
    Response nul =
        api.put(ownership, owner.apiKey(), "text/plain", "# a\u0000b\na/ x@example.com\n");
    assertThat(nul.status()).as(nul.body()).isEqualTo(200);
    assertThat(nul.body()).isEqualTo("# a\uFFFDb\na/ x@example.com\n");
    assertThat(replaced("text") - before).isEqualTo(1);
  }

  @Test
  void formsGetTheSameRules() {
    Browser browser = new Browser(port);
    assertThat(browser.get("/signup").statusCode()).isEqualTo(200);
    String email = "form-" + UUID.randomUUID() + "@example.com";
    double before = replaced("form");
    HttpResponse<String> signup =
        browser.post(
            "/signup",
            "email",
            email,
            "password",
            "correct horse battery",
            "name",
            "Sam\u0000",
            "org_name",
            "Sam\u0000s Shop");
    assertThat(signup.statusCode()).as(signup.body()).isEqualTo(302);
    assertThat(jdbc.queryForObject("SELECT name FROM users WHERE email = ?", String.class, email))
        .isEqualTo("Sam\uFFFD");
    assertThat(replaced("form") - before).isEqualTo(2);

    for (byte[] body :
        new byte[][] {
          "email=a%C0%AF&password=x".getBytes(StandardCharsets.US_ASCII),
          concat("email=a", OVERLONG_SLASH, "&password=x"),
          "email=a%ZZ".getBytes(StandardCharsets.US_ASCII)
        }) {
      Response r = postBytes("/signup", "application/x-www-form-urlencoded", body);
      assertContractError(r, 400, "invalid_payload");
      assertThat(r.text("/details/0/field")).isEqualTo("email");
    }
  }

  @Test
  void hugeSignUpFieldsAreAnsweredQuickly() {
    String big = "a".repeat(100_000);
    String[] bodies = {
      "{\"email\": \"%s@example.com\", \"password\": \"correct horse\", \"org_name\": \"o\"}"
          .formatted(big),
      "{\"email\": \"%s\", \"password\": \"correct horse\", \"org_name\": \"o\"}"
          .formatted(big.replace('a', '@')),
      "{\"email\": \"x@example.com\", \"password\": \"%s\", \"name\": \"%s\", \"org_name\": \"%s\"}"
          .formatted(big, big, big)
    };
    for (String body : bodies) {
      long start = System.nanoTime();
      Response r =
          api.send(
              api.request("/api/v1/signup", null)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(r.status()).as(r.body()).isBetween(400, 499);
      assertThat(r.text("/error")).isNotBlank();
    }
    Browser browser = new Browser(port);
    assertThat(browser.get("/signup").statusCode()).isEqualTo(200);
    long started = System.nanoTime();
    HttpResponse<String> signupForm =
        browser.post(
            "/signup",
            "email",
            big + "@example.com",
            "password",
            big,
            "name",
            big,
            "org_name",
            big);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(signupForm.statusCode()).isBetween(200, 499);

    long start = System.nanoTime();
    Response form =
        postBytes(
            "/login",
            "application/x-www-form-urlencoded",
            ("email=" + big + "&password=" + big).getBytes(StandardCharsets.US_ASCII));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(form.status()).isLessThan(500);
  }

  @Test
  void whatSpringSecuritysFirewallRefusesIsA400WithTheContractBody() {
    for (String path :
        new String[] {"/api/v1/apps;a=b", "/api//v1/apps", "/api/v1/apps/%2e%2e/x"}) {
      Response r = api.get(path, owner.apiKey());
      assertThat(r.status()).as(path).isEqualTo(400);
      assertThat(r.text("/error")).as(path + ": " + r.body()).isEqualTo("invalid_payload");
    }
  }

  @Test
  void oddContentTypesAreClean4xx() {
    byte[] release = "{\"version\": \"5.0\"}".getBytes(StandardCharsets.UTF_8);
    for (String type :
        new String[] {
          "application/json; charset=bogus",
          "application/json; charset=\"",
          "text/plain; charset=bogus",
          "application/x-www-form-urlencoded; charset=bogus",
          "garbage",
          "application/octet-stream"
        }) {
      Response r = postBytes(releases(), type, release);
      assertThat(r.status()).as(type + ": " + r.body()).isBetween(400, 499);
      assertThat(r.text("/error")).as(type).isNotBlank();
    }
    Response ownership =
        api.put(
            "/api/v1/apps/" + appId + "/ownership", owner.apiKey(), "text/plain; charset=x", "");
    assertContractError(ownership, 415, "unsupported_media_type");
  }

  @Test
  void refusalsAreCounted() {
    double before = refused("payload_too_large");
    byte[] twoMib = new byte[2 * 1024 * 1024];
    postBytes(releases(), "application/json", twoMib);
    assertThat(refused("payload_too_large") - before).isEqualTo(1);
    double invalidJson = refused("invalid_json");
    postBytes(releases(), "application/json", concat("\"", OVERLONG_SLASH, "\""));
    assertThat(refused("invalid_json") - invalidJson).isEqualTo(1);
  }

  private double refused(String reason) {
    var counter = meters.find("upbeat.api.requests.refused").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void anEmptyOrAbsentBodyIsStillJudgedByItsEndpoint() {
    Response empty = api.post(releases(), owner.apiKey(), "");
    assertContractError(empty, 400, "invalid_json");
    Response anyUri = api.send(HttpRequest.newBuilder(URI.create(url("/api/v1/nowhere%00"))).GET());
    assertContractError(anyUri, 400, "invalid_payload");
  }
}
