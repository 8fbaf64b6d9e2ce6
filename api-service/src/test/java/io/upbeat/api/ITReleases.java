package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Release tracking as CI and people use it, against the contract. */
class ITReleases extends ApiIntegrationTest {
  private static final String SHA_A = "9fceb02d0ae598e95dc970b74767f19372d61af8";
  private static final String SHA_B = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String appId;
  private String ciToken;

  @BeforeEach
  void app() {
    owner = api.newAccount("Release Org");
    Response app =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}");
    appId = app.text("/id");
    ciToken = app.text("/ci_token");
  }

  private String releases() {
    return "/api/v1/apps/" + appId + "/releases";
  }

  private static String release(String version, String commits) {
    return """
        {"version": "%s", "environment": "production", "deployed_at": "2026-11-26T10:00:00Z",
         "deployer": "alice@example.com", "ref": "main", "commits": [%s]}
        """
        .formatted(version, commits);
  }

  private static String commit(String sha, String path, String lines) {
    return """
        {"sha": "%s", "author_name": "Alice", "author_email": "alice@example.com",
         "timestamp": "2026-11-26T09:40:00+01:00", "message": "Cache user lookups",
         "files": [{"path": "%s", "change": "modified", "lines": %s}]}
        """
        .formatted(sha, path, lines);
  }

  @Test
  void ciPostsAReleaseOnceAndRetriesMergeCommitsBySha() {
    String first =
        release("2026.11.26-3", commit(SHA_A, "src/main/java/UserService.java", "[[40, 48]]"));
    Response created = api.post(releases(), ciToken, first);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.text("/version")).isEqualTo("2026.11.26-3");
    assertThat(created.text("/environment")).isEqualTo("production");
    assertThat(created.text("/deployed_at")).isEqualTo("2026-11-26T10:00:00Z");
    assertThat(created.json().at("/commit_count").asInt()).isEqualTo(1);
    assertThat(created.text("/commits/0/timestamp")).isEqualTo("2026-11-26T08:40:00Z");
    assertThat(created.json().at("/commits/0/files/0/lines/0/1").asInt()).isEqualTo(48);

    // The same post again (a CI retry): 200, nothing doubled.
    Response again = api.post(releases(), ciToken, first);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().at("/commit_count").asInt()).isEqualTo(1);

    // Again with one known and one new commit, the known one changed: merged by sha, first kept.
    Response merged =
        api.post(
            releases(),
            ciToken,
            release(
                "2026.11.26-3",
                commit(SHA_A.toUpperCase(), "Other.java", "[[1, 2]]")
                    + ","
                    + commit(SHA_B, "src/main/java/Cart.java", "[[7, 7], [10, 12]]")));
    assertThat(merged.status()).isEqualTo(200);
    assertThat(merged.json().at("/commit_count").asInt()).isEqualTo(2);
    assertThat(merged.text("/commits/0/sha")).isEqualTo(SHA_A);
    assertThat(merged.text("/commits/0/files/0/path")).isEqualTo("src/main/java/UserService.java");
    assertThat(merged.text("/commits/1/sha")).isEqualTo(SHA_B);
    assertThat(merged.json().at("/commits/1/files/0/lines").size()).isEqualTo(2);

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM releases WHERE app_id = ?::uuid", Long.class, appId))
        .isEqualTo(1);
  }

  @Test
  void aMembersKeyMayPostAndEnvironmentAndDeployTimeDefault() {
    Instant before = Instant.now().minusSeconds(1);
    Response created = api.post(releases(), owner.apiKey(), "{\"version\": \"v1\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.text("/environment")).isEqualTo("production");
    assertThat(Instant.parse(created.text("/deployed_at"))).isAfter(before);
    assertThat(created.json().at("/commits").size()).isZero();

    // Another environment is another release.
    Response staging =
        api.post(releases(), ciToken, "{\"version\": \"v1\", \"environment\": \"staging\"}");
    assertThat(staging.status()).isEqualTo(201);
    assertThat(api.get(releases() + "/v1?environment=staging", owner.apiKey()).status())
        .isEqualTo(200);
  }

  @Test
  void listsNewestFirstWithCommitCountsAndNewErrorGroups() {
    assertThat(
            api.post(
                    releases(),
                    ciToken,
                    release("v1", commit(SHA_A, "A.java", "[[1, 1]]"))
                        .replace("2026-11-26T10:00:00Z", "2026-11-25T10:00:00Z"))
                .status())
        .isEqualTo(201);
    // Events of v2 arrived before CI posted v2: they still link up by version.
    UUID group = errorGroup("v2");
    errorGroup("v1");
    errorGroup("v2");
    assertThat(
            api.post(
                    releases(),
                    ciToken,
                    release(
                        "v2",
                        commit(SHA_A, "A.java", "[[1, 1]]")
                            + ","
                            + commit(SHA_B, "B.java", "null")))
                .status())
        .isEqualTo(201);

    Response list = api.get(releases(), owner.apiKey());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.text("/items/0/version")).isEqualTo("v2");
    assertThat(list.json().at("/items/0/commit_count").asInt()).isEqualTo(2);
    assertThat(list.json().at("/items/0/new_error_groups").asInt()).isEqualTo(2);
    assertThat(list.text("/items/1/version")).isEqualTo("v1");
    assertThat(list.json().at("/items/1/new_error_groups").asInt()).isEqualTo(1);
    assertThat(api.get(releases() + "?limit=1", owner.apiKey()).json().at("/items").size())
        .isEqualTo(1);
    assertThat(
            api.get(releases() + "?environment=staging", owner.apiKey()).json().at("/items").size())
        .isZero();

    Response detail = api.get(releases() + "/v2", owner.apiKey());
    assertThat(detail.status()).isEqualTo(200);
    assertThat(detail.json().at("/new_errors").size()).isEqualTo(2);
    assertThat(detail.json().at("/new_errors").findValuesAsString("id")).contains(group.toString());
    assertThat(detail.json().at("/commits/1/files").size()).isEqualTo(1);
    assertThat(detail.json().at("/commits/1/files/0/lines").isNull()).isTrue();

    assertThat(api.get(releases() + "/v3", owner.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(releases() + "/v2?environment=staging", owner.apiKey()).status())
        .isEqualTo(404);
  }

  private UUID errorGroup(String firstRelease) {
    UUID id = UUID.randomUUID();
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
          first_seen, last_seen, first_release, last_release)
        VALUES (?, ?::uuid, ?, 'java.lang.IllegalStateException', 'boom', 'A.run', 3, ?, ?, ?, ?)
        """,
        id,
        appId,
        (id.toString().replace("-", "") + id.toString().replace("-", "")),
        now,
        now,
        firstRelease,
        firstRelease);
    return id;
  }

  @Test
  void groupsThatAppearedBeforeTheReleaseWasPostedAreAssignedWhenItIs() {
    UUID early = errorGroup("v7");
    UUID leftAlone = errorGroup("v7");
    for (UUID g : List.of(early, leftAlone)) {
      jdbc.update(
          """
          INSERT INTO error_occurrences (group_id, occurred_at, environment, release, message,
            exception)
          VALUES (?, now(), 'production', 'v7', 'boom', ?::jsonb)
          """,
          g,
          """
          {"type": "java.lang.IllegalStateException", "message": "boom", "stacktrace": [
            {"module": "org.springframework.web.Servlet", "function": "service", "lineno": 1, "in_app": false},
            {"module": "com.shop.UserService", "function": "find", "filename": "UserService.java",
             "lineno": 42, "in_app": true}]}
          """);
    }
    // A person unassigned this one: it stays unassigned.
    jdbc.update("UPDATE error_groups SET assignee_reason = 'manual' WHERE id = ?", leftAlone);

    Response posted =
        api.post(
            releases(),
            ciToken,
            release("v7", commit(SHA_A, "src/main/java/com/shop/UserService.java", "[[40, 48]]")));
    assertThat(posted.status()).isEqualTo(201);

    Map<String, Object> g = jdbc.queryForMap("SELECT * FROM error_groups WHERE id = ?", early);
    assertThat(g.get("assignee_email")).isEqualTo("alice@example.com");
    assertThat((String) g.get("assignee_reason"))
        .isEqualTo(
            "commit 9fceb02 by alice@example.com changed UserService.java lines 40-48;"
                + " frame UserService.find:42");
    assertThat(g.get("suspect_sha")).isEqualTo(SHA_A);
    assertThat(g.get("suspect_frame")).isEqualTo("com.shop.UserService.find:42");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM notifications WHERE group_id = ? AND kind = 'assigned'",
                Long.class,
                early))
        .isOne();
    assertThat(
            jdbc.queryForMap("SELECT * FROM error_groups WHERE id = ?", leftAlone)
                .get("assignee_email"))
        .isNull();
  }

  @Test
  void refusesInvalidReleasesNamingTheFieldAndWritesNothing() {
    assertInvalid("{\"environment\": \"production\"}", "version");
    assertInvalid("{\"version\": \"" + "v".repeat(201) + "\"}", "version");
    assertInvalid("{\"version\": \"v1\", \"deployed_at\": 1764151200}", "deployed_at");
    assertInvalid("{\"version\": \"v1\", \"deployed_at\": \"yesterday\"}", "deployed_at");
    assertInvalid(
        "{\"version\": \"v1\", \"deployed_at\": \"+999999999-12-31T00:00:00Z\"}", "deployed_at");
    assertInvalid(release("v1", commit("abc123", "A.java", "[[1, 2]]")), "commits[0].sha");
    assertInvalid(
        release("v1", commit(SHA_A, "A.java", "[[1, 2]]").replace("alice@example.com", "alice")),
        "commits[0].author_email");
    assertInvalid(
        release("v1", commit(SHA_A, "A.java", "[[9, 2]]")), "commits[0].files[0].lines[0]");
    assertInvalid(
        release("v1", commit(SHA_A, "A.java", "[[0, 2]]")), "commits[0].files[0].lines[0]");
    assertInvalid(release("v1", commit(SHA_A, "A.java", "[[1]]")), "commits[0].files[0].lines[0]");
    assertInvalid(
        release("v1", commit(SHA_A, "A.java", "[[1, 2]]").replace("modified", "moved")),
        "commits[0].files[0].change");
    assertInvalid(release("v1", commit(SHA_A, "", "[[1, 2]]")), "commits[0].files[0].path");
    assertInvalid(
        release(
            "v1", commit(SHA_A, "A.java", "[[1, 2]]").replace("2026-11-26T09:40:00+01:00", "soon")),
        "commits[0].timestamp");
    assertInvalid(
        release(
            "v1", commit(SHA_A, "A.java", "[[1, 2]]") + "," + commit(SHA_B, "B.java", "[[3, 1]]")),
        "commits[1].files[0].lines[0]");

    Response duplicateKey =
        api.post(releases(), ciToken, "{\"version\": \"v1\", \"version\": \"v2\"}");
    assertThat(duplicateKey.status()).isEqualTo(400);
    assertThat(duplicateKey.text("/error")).isEqualTo("invalid_json");

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM releases WHERE app_id = ?::uuid", Long.class, appId))
        .isZero();
    assertThat(api.get(releases() + "?limit=0", owner.apiKey()).status()).isEqualTo(400);
    assertThat(api.get(releases() + "?limit=x", owner.apiKey()).text("/details/0/field"))
        .isEqualTo("limit");
  }

  private void assertInvalid(String body, String field) {
    Response r = api.post(releases(), ciToken, body);
    assertThat(r.status()).as(body).isEqualTo(400);
    assertThat(r.text("/error")).isEqualTo("invalid_payload");
    assertThat(r.json().at("/details").findValuesAsString("field")).as(r.body()).contains(field);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("SQL");
  }

  @Test
  void headShaIsStoredLowerCaseShownAndOnlyFilledInWhenMissing() {
    Response created = api.post(releases(), ciToken, "{\"version\": \"v1\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().at("/head_sha").isNull()).isTrue();

    // A retry fills it in once; a later retry with another head changes nothing.
    Response filled =
        api.post(
            releases(),
            ciToken,
            "{\"version\": \"v1\", \"head_sha\": \"" + SHA_A.toUpperCase() + "\"}");
    assertThat(filled.status()).as(filled.body()).isEqualTo(200);
    assertThat(filled.text("/head_sha")).isEqualTo(SHA_A);
    Response kept =
        api.post(releases(), ciToken, "{\"version\": \"v1\", \"head_sha\": \"" + SHA_B + "\"}");
    assertThat(kept.text("/head_sha")).isEqualTo(SHA_A);

    assertThat(api.get(releases() + "/v1", owner.apiKey()).text("/head_sha")).isEqualTo(SHA_A);
    assertThat(api.get(releases(), owner.apiKey()).text("/items/0/head_sha")).isEqualTo(SHA_A);
    assertInvalid("{\"version\": \"v2\", \"head_sha\": \"abc123\"}", "head_sha");
  }

  @Test
  void latestIsTheNewestDeployForTheAppsCiTokenAndMembers() {
    String latest = releases() + "/latest";
    Response none = api.get(latest, ciToken);
    assertThat(none.status()).as(none.body()).isEqualTo(404);
    assertThat(none.text("/error")).isEqualTo("not_found");

    String v1 =
        "{\"version\": \"v1\", \"deployed_at\": \"2026-11-25T10:00:00Z\", \"head_sha\": \""
            + SHA_A
            + "\"}";
    assertThat(api.post(releases(), ciToken, v1).status()).isEqualTo(201);
    // Posted later but deployed earlier: not the latest.
    assertThat(
            api.post(
                    releases(),
                    ciToken,
                    "{\"version\": \"v0\", \"deployed_at\": \"2026-11-24T10:00:00Z\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            api.post(
                    releases(),
                    ciToken,
                    "{\"version\": \"s1\", \"environment\": \"staging\","
                        + " \"deployed_at\": \"2026-11-26T10:00:00Z\"}")
                .status())
        .isEqualTo(201);

    for (String key : List.of(ciToken, owner.apiKey())) {
      Response r = api.get(latest, key);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.text("/version")).isEqualTo("v1");
      assertThat(r.text("/environment")).isEqualTo("production");
      assertThat(r.text("/deployed_at")).isEqualTo("2026-11-25T10:00:00Z");
      assertThat(r.text("/head_sha")).isEqualTo(SHA_A);
    }
    Response staging = api.get(latest + "?environment=staging", ciToken);
    assertThat(staging.text("/version")).isEqualTo("s1");
    assertThat(staging.json().at("/head_sha").isNull()).isTrue();
    assertThat(api.get(latest + "?environment=qa", ciToken).status()).isEqualTo(404);

    // Another org's member, another app's CI token: 404 as for a missing app.
    Account stranger = api.newAccount("Other Org");
    Response otherApp =
        api.post(
            "/api/v1/orgs/" + stranger.orgId() + "/apps", stranger.apiKey(), "{\"name\": \"x\"}");
    assertThat(api.get(latest, otherApp.text("/ci_token")).status()).isEqualTo(404);
    assertThat(api.get(latest, stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(latest, null).status()).isEqualTo(401);

    // That one GET is all a CI token may read.
    Response list = api.get(releases(), ciToken);
    assertThat(list.status()).isEqualTo(403);
    assertThat(list.text("/error")).isEqualTo("forbidden");
    assertThat(api.get(releases() + "/v1", ciToken).status()).isEqualTo(403);
    assertThat(api.get(releases() + "/latest/x", ciToken).status()).isEqualTo(403);
    assertThat(api.get("/api/v1/apps/" + appId, ciToken).status()).isEqualTo(403);
  }

  @Test
  void onlyTheAppsOwnCiTokenAndMembersGetIn() {
    Account stranger = api.newAccount("Other Org");
    Response otherApp =
        api.post(
            "/api/v1/orgs/" + stranger.orgId() + "/apps", stranger.apiKey(), "{\"name\": \"x\"}");
    String body = release("v1", "");
    assertThat(api.post(releases(), ciToken, body).status()).isEqualTo(201);

    // Another org's member, another app's CI token: the same 404 as a missing app.
    assertThat(api.post(releases(), stranger.apiKey(), body).status()).isEqualTo(404);
    assertThat(api.post(releases(), otherApp.text("/ci_token"), body).status()).isEqualTo(404);
    assertThat(api.get(releases(), stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.get(releases() + "/v1", stranger.apiKey()).status()).isEqualTo(404);
    assertThat(api.post("/api/v1/apps/" + UUID.randomUUID() + "/releases", ciToken, body).status())
        .isEqualTo(404);
    assertThat(api.post("/api/v1/apps/not-a-uuid/releases", ciToken, body).status()).isEqualTo(404);

    // A CI token posts releases and does nothing else.
    assertThat(api.get(releases(), ciToken).status()).isEqualTo(403);
    assertThat(api.post(releases(), null, body).status()).isEqualTo(401);
    assertThat(api.post(releases(), "ub_ci_" + "x".repeat(43), body).status()).isEqualTo(401);
  }
}
