package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code PATCH .../errors/{id}} with {@code ignore_until}: each condition is stored as the
 * processor reads it (a count to reach, a time to pass, the next release), any other change of
 * status clears it, and every malformed condition is a 400 naming the field that changes nothing.
 */
class ITIgnoreUntil extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private UUID group;

  @BeforeEach
  void aGroup() {
    owner = api.newAccount("Ignore Org " + UUID.randomUUID());
    Response r =
        api.post(
            "/api/v1/orgs/" + owner.orgId() + "/apps",
            owner.apiKey(),
            "{\"name\": \"shop-" + UUID.randomUUID() + "\"}");
    assertThat(r.status()).isEqualTo(201);
    app = r.text("/id");
    group = UUID.randomUUID();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    jdbc.update(
        "INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,"
            + " last_seen) VALUES (?, ?, ?, 'java.lang.IllegalStateException', 'x', 40, ?, ?)",
        group,
        UUID.fromString(app),
        group.toString().replace("-", "").repeat(2),
        Timestamp.from(t.minus(Duration.ofDays(1))),
        Timestamp.from(t));
  }

  private Response patch(String body) {
    return api.patch("/api/v1/apps/" + app + "/errors/" + group, owner.apiKey(), body);
  }

  private Map<String, Object> row() {
    return jdbc.queryForMap(
        "SELECT status, ignore_until_count, ignore_until_at, ignore_until_release, ignored_at"
            + " FROM error_groups WHERE id = ?",
        group);
  }

  @Test
  void eachConditionIsStoredAsTheProcessorReadsItAndAnyOtherStatusClearsIt() {
    Response r = patch("{\"status\": \"ignored\", \"ignore_until\": {\"count\": 100}}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.text("/status")).isEqualTo("ignored");
    Map<String, Object> row = row();
    assertThat(row.get("ignore_until_count")).isEqualTo(140L); // its 40 plus 100 more
    assertThat(row.get("ignore_until_at")).isNull();
    assertThat(row.get("ignored_at")).isNotNull();

    Instant before = Instant.now();
    assertThat(patch("{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": 90}}").status())
        .isEqualTo(200);
    row = row();
    assertThat(row.get("ignore_until_count")).isNull();
    Instant until = ((Timestamp) row.get("ignore_until_at")).toInstant();
    assertThat(until)
        .isBetween(
            before.plus(Duration.ofMinutes(90)).minusSeconds(1),
            Instant.now().plus(Duration.ofMinutes(90)).plusSeconds(1));

    assertThat(
            patch("{\"status\": \"ignored\", \"ignore_until\": {\"next_release\": true}}").status())
        .isEqualTo(200);
    row = row();
    assertThat(row.get("ignore_until_at")).isNull();
    assertThat(row.get("ignore_until_release")).isEqualTo(true);

    // Ignored for good: no condition.
    assertThat(patch("{\"status\": \"ignored\", \"ignore_until\": null}").status()).isEqualTo(200);
    row = row();
    assertThat(row.get("ignore_until_release")).isEqualTo(false);
    assertThat(row.get("ignored_at")).isNull();

    patch("{\"status\": \"ignored\", \"ignore_until\": {\"count\": 1}}");
    assertThat(patch("{\"status\": \"unresolved\"}").status()).isEqualTo(200);
    row = row();
    assertThat(row.get("status")).isEqualTo("unresolved");
    assertThat(row.get("ignore_until_count")).isNull();
    assertThat(row.get("ignored_at")).isNull();
    // Changing only the assignee keeps the condition.
    patch("{\"status\": \"ignored\", \"ignore_until\": {\"count\": 5}}");
    assertThat(patch("{\"assignee_email\": \"dana@example.com\"}").status()).isEqualTo(200);
    assertThat(row().get("ignore_until_count")).isEqualTo(45L);
  }

  @Test
  void malformedConditionsAreRefusedByFieldAndChangeNothing() {
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry(
                "{\"status\": \"resolved\", \"ignore_until\": {\"count\": 5}}", "ignore_until"),
            Map.entry(
                "{\"assignee_email\": null, \"ignore_until\": {\"count\": 5}}", "ignore_until"),
            Map.entry("{\"status\": \"ignored\", \"ignore_until\": {}}", "ignore_until"),
            Map.entry("{\"status\": \"ignored\", \"ignore_until\": 5}", "ignore_until"),
            Map.entry("{\"status\": \"ignored\", \"ignore_until\": \"1h\"}", "ignore_until"),
            Map.entry("{\"status\": \"ignored\", \"ignore_until\": [5]}", "ignore_until"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 5, \"minutes\": 5}}",
                "ignore_until"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"hours\": 5}}", "ignore_until"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 0}}",
                "ignore_until.count"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": -3}}",
                "ignore_until.count"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 1.5}}",
                "ignore_until.count"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": \"5\"}}",
                "ignore_until.count"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"count\": 99999999999999999999999}}",
                "ignore_until.count"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": 525601}}",
                "ignore_until.minutes"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": null}}",
                "ignore_until.minutes"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"next_release\": false}}",
                "ignore_until.next_release"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"next_release\": \"\\u0000\"}}",
                "ignore_until.next_release"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"\\ud800\": true}}", "ignore_until"),
            Map.entry(
                "{\"status\": \"ignored\", \"ignore_until\": {\"minutes\": \""
                    + "9".repeat(100_000)
                    + "\"}}",
                "ignore_until.minutes"));
    bad.forEach(
        (body, field) -> {
          Response r = patch(body);
          assertThat(r.status()).as(body).isEqualTo(400);
          assertThat(r.text("/error")).as(body).isEqualTo("invalid_payload");
          assertThat(r.json().at("/details").findValuesAsString("field"))
              .as(body)
              .containsExactly(field);
        });
    Map<String, Object> row = row();
    assertThat(row.get("status")).isEqualTo("unresolved");
    assertThat(row.get("ignored_at")).isNull();
  }
}
