package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.net.http.HttpRequest;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ownership rules: stored exactly as written after every line validated, read back as text or JSON,
 * cleared by an empty body; bad lines, oversize bodies, other content types, CI tokens and other
 * tenants are refused and store nothing.
 */
class ITOwnershipApi extends ApiIntegrationTest {
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String RULES =
      """
      # Payments team owns the payment code.
      *                  lead@example.com
      /src/main/java/com/shop/pay/   pay@example.com  Lead@Example.com
      docs/**/*.md       writer@example.com # trailing comment
      """;

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private String ciToken;

  @BeforeEach
  void anApp() {
    owner = api.newAccount("Ownership Org " + UUID.randomUUID());
    Response created =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps",
            owner.apiKey(),
            "{\"name\": \"shop-" + UUID.randomUUID() + "\"}");
    assertThat(created.status()).isEqualTo(201);
    app = created.text("/id");
    ciToken = created.text("/ci_token");
  }

  @Test
  void noRulesIsAnEmptyBody() {
    Response r = api.get(ownership(), owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(r.body()).isEmpty();

    Response json = getJson();
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.text("/rules")).isEmpty();
    assertThat(json.json().get("updated_at").isNull()).isTrue();
  }

  @Test
  void putStoresTheRulesAsWrittenAndGetReturnsThem() {
    Response put = put(RULES);
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.body()).isEqualTo(RULES);

    Response get = api.get(ownership(), owner.apiKey());
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(RULES);
    assertThat(
            jdbc.queryForObject(
                "SELECT rules FROM ownership_rules WHERE app_id = ?::uuid", String.class, app))
        .isEqualTo(RULES);

    Response json = getJson();
    assertThat(json.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(json.text("/rules")).isEqualTo(RULES);
    assertThat(json.text("/updated_at")).endsWith("Z");

    // Replacing is whole: the second text is all that remains.
    assertThat(put("src/** dev@example.com\n").status()).isEqualTo(200);
    assertThat(api.get(ownership(), owner.apiKey()).body()).isEqualTo("src/** dev@example.com\n");
  }

  @Test
  void aBadLineIsNamedAndNothingIsStored() {
    put(RULES);
    String bad =
        """
        # fine
        src/ a@example.com
        src/pay/ not-an-email
        docs/ b@example.com
        """;
    Response r = put(bad);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text("/error")).isEqualTo("invalid_payload");
    assertThat(r.text("/details/0/field")).isEqualTo("line 3");
    assertThat(r.text("/details/0/problem")).contains("not-an-email").doesNotStartWith("line");
    assertThat(r.text("/message")).contains("3");

    Response lonely = put("\n\nsrc/\n");
    assertThat(lonely.status()).isEqualTo(400);
    assertThat(lonely.text("/details/0/field")).isEqualTo("line 3");

    Response negation = put("a/ x@example.com\n!b/ y@example.com\n");
    assertThat(negation.text("/details/0/field")).isEqualTo("line 2");

    Response control = put("a/ x@example.com\nb/ y@exa\u0001mple.com\n");
    assertThat(control.status()).isEqualTo(400);
    assertThat(control.text("/details/0/field")).isEqualTo("line 2");

    Response notUtf8 =
        api.send(
            api.request(ownership(), owner.apiKey())
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'a', ' ', (byte) 0xC3})));
    assertThat(notUtf8.status()).isEqualTo(400);
    assertThat(notUtf8.text("/error")).isEqualTo("invalid_payload");

    assertThat(api.get(ownership(), owner.apiKey()).body()).isEqualTo(RULES);
  }

  @Test
  void bodiesOver64KibAreRefused() {
    String line = "src/" + "a".repeat(104) + "/ owner@example.com\n"; // 128 bytes
    String exactly = line.repeat(512);
    assertThat(exactly.length()).isEqualTo(64 * 1024);
    assertThat(put(exactly).status()).isEqualTo(200);

    Response r = put(exactly + "#");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.text("/error")).isEqualTo("payload_too_large");
    assertThat(api.get(ownership(), owner.apiKey()).body()).isEqualTo(exactly);
  }

  @Test
  void rulesBeyondTheLimitsNameTheirLine() {
    Response many = put("*.java owner@example.com\n".repeat(1_001));
    assertThat(many.status()).isEqualTo(400);
    assertThat(many.text("/details/0/field")).isEqualTo("line 1001");
    assertThat(many.text("/details/0/problem")).isEqualTo("exceeds the limit of 1000 rules");

    Response longLine = put("a/ owner@example.com\n# " + "x".repeat(1_023) + "\n");
    assertThat(longLine.status()).isEqualTo(400);
    assertThat(longLine.text("/details/0/field")).isEqualTo("line 2");
    assertThat(longLine.text("/details/0/problem")).isEqualTo("is longer than 1024 characters");

    // The glob that made the old regular expression backtrack for minutes.
    Response stars = put("*a".repeat(33) + " owner@example.com\n");
    assertThat(stars.status()).isEqualTo(400);
    assertThat(stars.text("/details/0/problem")).endsWith("has more than 32 *");
    assertThat(put("*a".repeat(32) + "*b owner@example.com\n").status()).isEqualTo(400);
    assertThat(put("*a".repeat(31) + "*b owner@example.com\n").status()).isEqualTo(200);
  }

  @Test
  void onlyTextPlainIsAccepted() {
    Response json = api.put(ownership(), owner.apiKey(), "application/json", "{\"rules\": \"\"}");
    assertThat(json.status()).isEqualTo(415);
    assertThat(json.text("/error")).isEqualTo("unsupported_media_type");
    Response none =
        api.send(
            api.request(ownership(), owner.apiKey())
                .PUT(HttpRequest.BodyPublishers.ofString("src/ a@example.com")));
    assertThat(none.status()).isEqualTo(415);
    assertThat(rowCount()).isZero();
  }

  @Test
  void aCiTokenMayNotReadOrWriteRules() {
    Response write = api.put(ownership(), ciToken, TEXT, RULES);
    assertThat(write.status()).isEqualTo(403);
    assertThat(write.text("/error")).isEqualTo("forbidden");
    assertThat(api.get(ownership(), ciToken).status()).isEqualTo(403);
    assertThat(rowCount()).isZero();
  }

  @Test
  void anotherTenantGetsNotFound() {
    put(RULES);
    Account stranger = api.newAccount("Stranger Org");
    String missing = api.get("/api/v1/apps/" + UUID.randomUUID(), stranger.apiKey()).body();
    Response read = api.get(ownership(), stranger.apiKey());
    Response write = api.put(ownership(), stranger.apiKey(), TEXT, "* evil@example.com\n");
    Response badWrite = api.put(ownership(), stranger.apiKey(), TEXT, "nonsense\n");
    for (Response r : new Response[] {read, write, badWrite}) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).isEqualTo(missing).doesNotContain("lead@example.com");
    }
    assertThat(api.get(ownership(), owner.apiKey()).body()).isEqualTo(RULES);
  }

  @Test
  void anEmptyBodyClearsTheRules() {
    put(RULES);
    Response cleared = put("");
    assertThat(cleared.status()).isEqualTo(200);
    assertThat(cleared.body()).isEmpty();
    assertThat(api.get(ownership(), owner.apiKey()).body()).isEmpty();
    assertThat(rowCount()).isZero();
  }

  @Test
  void acceptChoosesTextOrJson() {
    put(RULES);
    Response text =
        api.send(
            api.request(ownership(), owner.apiKey())
                .header("Accept", "application/json;q=0.5, text/plain")
                .GET());
    assertThat(text.body()).isEqualTo(RULES);
    Response putJson =
        api.send(
            api.request(ownership(), owner.apiKey())
                .header("Content-Type", TEXT)
                .header("Accept", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(RULES)));
    assertThat(putJson.status()).isEqualTo(200);
    assertThat(putJson.text("/rules")).isEqualTo(RULES);
    Response neither =
        api.send(api.request(ownership(), owner.apiKey()).header("Accept", "image/png").GET());
    assertThat(neither.status()).isEqualTo(406);
  }

  private String ownership() {
    return "/api/v1/apps/" + app + "/ownership";
  }

  private Response put(String rules) {
    return api.put(ownership(), owner.apiKey(), TEXT, rules);
  }

  private Response getJson() {
    return api.send(
        api.request(ownership(), owner.apiKey()).header("Accept", "application/json").GET());
  }

  private int rowCount() {
    return jdbc.queryForObject(
        "SELECT count(*) FROM ownership_rules WHERE app_id = ?::uuid", Integer.class, app);
  }
}
