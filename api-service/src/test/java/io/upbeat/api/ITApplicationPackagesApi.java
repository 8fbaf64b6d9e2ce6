package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An app's application packages: empty by default (with the default library list shown), replaced
 * whole by PUT, validated, cleared by an empty list; other tenants get 404.
 */
class ITApplicationPackagesApi extends ApiIntegrationTest {
  private Account owner;
  private String app;

  @BeforeEach
  void anApp() {
    owner = api.newAccount("Packages Org " + UUID.randomUUID());
    Response created =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps",
            owner.apiKey(),
            "{\"name\": \"shop-" + UUID.randomUUID() + "\"}");
    app = created.text("/id");
  }

  private String path() {
    return "/api/v1/apps/" + app + "/application-packages";
  }

  @Test
  void defaultsThenSetThenCleared() {
    Response none = api.get(path(), owner.apiKey());
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json().get("packages").size()).isZero();
    assertThat(none.body()).contains("\"library_packages\":[\"java\",\"javax\"");

    Response put =
        api.put(
            path(),
            owner.apiKey(),
            "application/json",
            "{\"packages\": [\"com.shop\", \"io.upbeat.example\", \"com.shop\"]}");
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.body()).contains("\"packages\":[\"com.shop\",\"io.upbeat.example\"]");
    assertThat(api.get(path(), owner.apiKey()).body())
        .contains("\"packages\":[\"com.shop\",\"io.upbeat.example\"]");

    assertThat(api.put(path(), owner.apiKey(), "application/json", "{\"packages\": []}").status())
        .isEqualTo(200);
    assertThat(api.get(path(), owner.apiKey()).json().get("packages").size()).isZero();
    assertThat(api.get("/v3/api-docs", null).json().at("/paths").propertyNames())
        .contains("/api/v1/apps/{appId}/application-packages");
  }

  @Test
  void badNamesAreRefusedAndOthersSeeNothing() {
    Response bad =
        api.put(
            path(),
            owner.apiKey(),
            "application/json",
            "{\"packages\": [\"com.shop\", \"com shop\"]}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("\"field\":\"packages[1]\"");

    Account stranger = api.newAccount("Stranger Org " + UUID.randomUUID());
    assertThat(api.get(path(), stranger.apiKey()).status()).isEqualTo(404);
    assertThat(
            api.put(path(), stranger.apiKey(), "application/json", "{\"packages\": [\"a.b\"]}")
                .status())
        .isEqualTo(404);
  }
}
