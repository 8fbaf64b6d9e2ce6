package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * No secret Upbeat issues or receives is stored as itself: every row of every table is scanned for
 * each API key, app token and password, as text and as hex-encoded bytes.
 */
class ITSecretsAtRest extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  @Test
  void noIssuedSecretAppearsInAnyTable() {
    Account alice = api.newAccount("Secrets Org");
    List<String> secrets = new ArrayList<>(List.of(alice.apiKey(), alice.password()));
    secrets.add(
        api.post(
                "/api/v1/login",
                null,
                "{\"email\": \"%s\", \"password\": \"%s\"}"
                    .formatted(alice.email(), alice.password()))
            .text("/api_key"));
    Response app =
        api.post(
            "/api/v1/orgs/" + alice.orgId() + "/apps", alice.apiKey(), "{\"name\": \"vault\"}");
    secrets.add(app.text("/secret_token"));
    secrets.add(app.text("/ci_token"));
    for (String kind : List.of("secret", "ci")) {
      secrets.add(
          api.post(
                  "/api/v1/apps/" + app.text("/id") + "/tokens/rotate",
                  alice.apiKey(),
                  "{\"kind\": \"%s\"}".formatted(kind))
              .text("/token"));
    }
    assertThat(secrets).allMatch(s -> s != null && s.length() >= 10);

    List<String> tables =
        jdbc.queryForList(
            "SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            String.class);
    assertThat(tables).contains("users", "api_keys", "app_tokens", "app_token_outbox");
    int rows = 0;
    for (String table : tables) {
      for (String row :
          jdbc.queryForList("SELECT row_to_json(t)::text FROM \"" + table + "\" t", String.class)) {
        rows++;
        for (String secret : secrets) {
          String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
          // The random part alone, too, in case a prefix were stripped before storing.
          String randomPart = secret.substring(secret.indexOf('_', 3) + 1);
          assertThat(row).as("row of %s", table).doesNotContain(secret, hex, randomPart);
        }
      }
    }
    assertThat(rows).isPositive();
  }
}
