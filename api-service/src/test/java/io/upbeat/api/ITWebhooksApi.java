package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** The webhooks API with the default policy: no private targets. */
class ITWebhooksApi extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String hooks;

  @BeforeEach
  void app() {
    owner = api.newAccount("Hooks Org");
    String app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"h\"}")
            .text("/id");
    hooks = "/api/v1/apps/" + app + "/webhooks";
  }

  @Test
  void refusesTargetsOnThePlatformsNetworkAndBadEvents() {
    for (String url :
        new String[] {
          "http://127.0.0.1:8080/x",
          "http://localhost/x",
          "http://169.254.169.254/latest/meta-data/",
          "http://10.0.0.5/hook",
          "http://[::1]/hook",
          "ftp://example.com/hook",
          "https://user:secret@example.com/hook"
        }) {
      Response r =
          api.post(
              hooks, owner.apiKey(), "{\"url\": \"" + url + "\", \"events\": [\"new_error\"]}");
      assertThat(r.status()).as(url).isEqualTo(400);
      assertThat(r.text("/details/0/field")).as(url).isEqualTo("url");
    }
    assertThat(
            api.post(
                    hooks, owner.apiKey(), "{\"url\": \"https://93.184.215.14/h\", \"events\": []}")
                .text("/details/0/field"))
        .isEqualTo("events");
    assertThat(
            api.post(
                    hooks,
                    owner.apiKey(),
                    "{\"url\": \"https://93.184.215.14/h\", \"events\": [\"deploy\"]}")
                .text("/details/0/field"))
        .isEqualTo("events[0]");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM webhooks WHERE url LIKE '%169.254%'", Long.class))
        .isZero();
  }

  @Test
  void createsListsAndDeletesWithTheSecretShownOnce() {
    Response created =
        api.post(
            hooks,
            owner.apiKey(),
            "{\"url\": \"https://93.184.215.14/h\", \"events\": [\"new_error\", \"regression\"]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String secret = created.text("/secret");
    assertThat(secret).startsWith("whsec_");
    String id = created.text("/id");

    Response list = api.get(hooks, owner.apiKey());
    assertThat(list.json().at("/items").size()).isEqualTo(1);
    assertThat(list.body()).doesNotContain(secret);
    // The secret is derived, never stored: no table holds it.
    for (String table : new String[] {"webhooks", "server_secrets"}) {
      assertThat(jdbc.queryForList("SELECT * FROM " + table).toString()).doesNotContain(secret);
    }
    assertThat(api.get(hooks + "/" + id + "/deliveries", owner.apiKey()).json().at("/items").size())
        .isZero();

    Account stranger = api.newAccount("Other");
    assertThat(api.get(hooks, stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(hooks + "/" + id + "/deliveries", stranger.apiKey()).status())
        .isEqualTo(404);
    assertThat(api.send(api.request(hooks + "/" + id, stranger.apiKey()).DELETE()).status())
        .isEqualTo(404);

    assertThat(api.send(api.request(hooks + "/" + id, owner.apiKey()).DELETE()).status())
        .isEqualTo(204);
    assertThat(api.get(hooks, owner.apiKey()).json().at("/items").size()).isZero();
    assertThat(api.send(api.request(hooks + "/" + id, owner.apiKey()).DELETE()).status())
        .isEqualTo(404);
    assertThat(api.get(hooks + "/" + UUID.randomUUID() + "/deliveries", owner.apiKey()).status())
        .isEqualTo(404);
    assertThat(api.get(hooks + "/nope/deliveries", owner.apiKey()).status()).isEqualTo(404);
  }
}
