package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Merging and unmerging error groups over rows written the way the processor writes them: the
 * merged group's totals, hourly counts and occurrences add its members', lists and searches show
 * only it, unmerging gives every group back exactly what it had, and neither bad input, another
 * tenant's ids nor two merges racing each other break that.
 */
class ITMergeGroups extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private Instant hour;

  @BeforeEach
  void anApp() {
    owner = api.newAccount("Merge Org " + UUID.randomUUID());
    app = newApp(owner, "shop-" + UUID.randomUUID());
    hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
  }

  @Test
  void aMergedGroupAddsUpItsMembersAndListsShowOnlyIt() {
    Instant t = hour.minus(5, ChronoUnit.HOURS);
    UUID target = group(app, "java.lang.IllegalStateException", "card declined", 10, t, t, "1.0");
    UUID member =
        group(
            app,
            "java.io.IOException",
            "connection reset",
            5,
            t.minus(2, ChronoUnit.HOURS),
            t.plus(3, ChronoUnit.HOURS),
            "0.9");
    UUID other = group(app, "java.lang.Error", "other", 1, t, t.plusSeconds(1), "1.0");
    hourly(target, t, 10);
    hourly(member, t, 2);
    hourly(member, t.plus(3, ChronoUnit.HOURS), 3);
    occurrence(target, t, "production");
    occurrence(member, t.plus(3, ChronoUnit.HOURS), "staging");

    Response merged = merge(owner, target, "[\"" + member + "\"]");
    assertThat(merged.status()).as(merged.body()).isEqualTo(200);
    assertThat(merged.text("/id")).isEqualTo(target.toString());
    assertThat(merged.json().at("/count").asLong()).isEqualTo(15);
    assertThat(merged.text("/first_seen")).isEqualTo(t.minus(2, ChronoUnit.HOURS).toString());
    assertThat(merged.text("/last_seen")).isEqualTo(t.plus(3, ChronoUnit.HOURS).toString());
    assertThat(merged.text("/first_release")).isEqualTo("0.9");
    assertThat(merged.text("/type")).isEqualTo("java.lang.IllegalStateException");

    // The list: the member is hidden, the merged group sorted by its total.
    assertThat(ids(list("?sort=count"))).containsExactly(target.toString(), other.toString());
    assertThat(ids(list("?sort=last_seen"))).containsExactly(target.toString(), other.toString());
    JsonNode item = list("?sort=count").json().at("/items/0");
    assertThat(item.at("/count").asLong()).isEqualTo(15);
    // Paging walks both kinds of group, each once.
    Response first = list("?sort=first_seen&limit=1");
    assertThat(ids(first)).containsExactly(other.toString());
    Response second = list("?sort=first_seen&limit=1&cursor=" + first.text("/next_cursor"));
    assertThat(ids(second)).containsExactly(target.toString());
    assertThat(second.json().at("/next_cursor").isNull()).isTrue();

    // The detail: hourly counts and occurrences of both, members listed with their own counts.
    Response detail =
        api.get(
            errors()
                + "/"
                + target
                + "?from="
                + t.minus(1, ChronoUnit.HOURS)
                + "&to="
                + t.plus(4, ChronoUnit.HOURS),
            owner.apiKey());
    assertThat(detail.status()).isEqualTo(200);
    assertThat(detail.json().at("/count").asLong()).isEqualTo(15);
    assertThat(detail.json().at("/hourly/1/count").asLong()).isEqualTo(12);
    assertThat(detail.json().at("/hourly/4/count").asLong()).isEqualTo(3);
    assertThat(detail.json().at("/latest/environment").asString()).isEqualTo("staging");
    assertThat(detail.json().get("merged_into").isNull()).isTrue();
    assertThat(detail.json().at("/merged").size()).isEqualTo(1);
    assertThat(detail.text("/merged/0/id")).isEqualTo(member.toString());
    assertThat(detail.json().at("/merged/0/count").asLong()).isEqualTo(5);
    assertThat(detail.text("/merged/0/type")).isEqualTo("java.io.IOException");
    assertThat(detail.text("/merged/0/fingerprint")).hasSize(64);
    Response occurrences = api.get(errors() + "/" + target + "/occurrences", owner.apiKey());
    assertThat(occurrences.json().at("/items").size()).isEqualTo(2);

    // A release's new errors leave the member out (its merged group was first seen before).
    assertThat(
            api.post(
                    errors().replace("/errors", "/releases"),
                    owner.apiKey(),
                    "{\"version\": \"0.9\"}")
                .status())
        .isEqualTo(201);
    Response release = api.get(errors().replace("/errors", "/releases/0.9"), owner.apiKey());
    assertThat(release.status()).as(release.body()).isEqualTo(200);
    assertThat(release.json().at("/new_errors").size()).isZero();
    Response releases = api.get(errors().replace("/errors", "/releases"), owner.apiKey());
    assertThat(releases.json().at("/items/0/new_error_groups").asLong()).isZero();

    // A member's own page: its own counts, and where it went.
    Response own = api.get(errors() + "/" + member, owner.apiKey());
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().at("/count").asLong()).isEqualTo(5);
    assertThat(own.text("/merged_into")).isEqualTo(target.toString());
    assertThat(own.json().at("/merged").size()).isZero();
  }

  /** Equal totals are ordered by id as PostgreSQL orders uuids, across merged and plain groups. */
  @Test
  void tiesBetweenMergedAndPlainGroupsAreBrokenByIdAndPagedOnce() {
    List<UUID> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(group(app, "P" + i, "p", 10, hour, hour, null));
    }
    for (int i = 0; i < 3; i++) {
      UUID target = group(app, "T" + i, "t", 4, hour, hour, null);
      UUID member = group(app, "M" + i, "m", 6, hour, hour, null);
      assertThat(merge(owner, target, "[\"" + member + "\"]").status()).isEqualTo(200);
      all.add(target);
    }
    List<String> expected =
        jdbc.queryForList(
            "SELECT id::text FROM unnest(string_to_array(?, ',')::uuid[]) AS v (id)"
                + " ORDER BY id DESC",
            String.class,
            String.join(",", all.stream().map(UUID::toString).toList()));
    assertThat(ids(list("?sort=count"))).containsExactlyElementsOf(expected);
    List<String> walked = new ArrayList<>();
    String cursor = null;
    do {
      Response page = list("?sort=count&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      walked.addAll(ids(page));
      cursor = page.json().at("/next_cursor").isNull() ? null : page.text("/next_cursor");
    } while (cursor != null);
    assertThat(walked).containsExactlyElementsOf(expected);
  }

  /** The detail's breakdowns add the members' per-minute counts, and their users once each. */
  @Test
  void breakdownsAddTheMembersCountsAndUsers() {
    ErrorRows rows = new ErrorRows(jdbc);
    UUID target = rows.group(app, 10, hour);
    UUID member = rows.group(app, 5, hour);
    Instant h = hour.minus(2, ChronoUnit.HOURS);
    rows.minute(app, target, "production", "1.1", h.plusSeconds(60), 0, 10);
    rows.minute(app, member, "production", "1.1", h.plusSeconds(120), 1, 3);
    rows.minute(app, member, "staging", "1.0", h.plusSeconds(180), 0, 2);
    rows.users(target, "production", h, 0, ErrorRows.sketch("id:1", "id:2"));
    rows.users(member, "production", h, 1, ErrorRows.sketch("id:2", "id:3"));
    assertThat(merge(owner, target, "[\"" + member + "\"]").status()).isEqualTo(200);

    JsonNode d = api.get(errors() + "/" + target, owner.apiKey()).json();
    assertThat(d.at("/environments/0/name").asString()).isEqualTo("production");
    assertThat(d.at("/environments/0/count").asLong()).isEqualTo(13);
    assertThat(d.at("/environments/1/count").asLong()).isEqualTo(2);
    assertThat(d.at("/releases/0/version").asString()).isEqualTo("1.1");
    assertThat(d.at("/releases/0/count").asLong()).isEqualTo(13);
    assertThat(d.at("/users/count").asLong()).isEqualTo(3);
    JsonNode own = api.get(errors() + "/" + member, owner.apiKey()).json();
    assertThat(own.at("/environments/0/count").asLong()).isEqualTo(3);
    assertThat(own.at("/users/count").asLong()).isEqualTo(2);
  }

  @Test
  void searchFindsTheMergedGroupByItsMembersTextAndOccurrences() {
    UUID target =
        group(app, "java.lang.IllegalStateException", "card declined", 3, hour, hour, null);
    UUID member = group(app, "java.io.IOException", "socket zebra-9", 2, hour, hour, null);
    UUID other = group(app, "java.lang.Error", "unrelated", 1, hour, hour, null);
    occurrence(member, hour, "staging");
    occurrence(other, hour, "production");
    assertThat(merge(owner, target, "[\"" + member + "\"]").status()).isEqualTo(200);

    assertThat(ids(list("?query=" + encode("zebra-9")))).containsExactly(target.toString());
    assertThat(ids(list("?query=" + encode("card zebra")))).containsExactly(target.toString());
    assertThat(ids(list("?query=" + encode("environment:staging"))))
        .containsExactly(target.toString());
    assertThat(ids(list("?environment=staging"))).containsExactly(target.toString());
    assertThat(ids(list("?query=" + encode("unrelated")))).containsExactly(other.toString());
    // Triage terms look at the merged group's own status.
    assertThat(
            api.patch(errors() + "/" + target, owner.apiKey(), "{\"status\": \"resolved\"}")
                .status())
        .isEqualTo(200);
    assertThat(ids(list("?query=" + encode("zebra")))).isEmpty();
    assertThat(ids(list("?query=" + encode("is:resolved zebra"))))
        .containsExactly(target.toString());
  }

  @Test
  void unmergeGivesEveryGroupBackExactlyWhatItHad() {
    Instant t = hour.minus(2, ChronoUnit.HOURS);
    UUID target = group(app, "A", "a", 7, t, t.plusSeconds(5), "1.0");
    UUID m1 = group(app, "B", "b", 3, t.minusSeconds(50), t.plusSeconds(60), "0.8");
    UUID m2 = group(app, "C", "c", 2, t.minusSeconds(10), t.plusSeconds(1), "0.9");
    hourly(target, t, 7);
    hourly(m1, t, 3);
    Map<UUID, String> before = Map.of(target, item(target), m1, item(m1), m2, item(m2));

    assertThat(merge(owner, target, "[\"" + m1 + "\", \"" + m2 + "\"]").status()).isEqualTo(200);
    assertThat(item(target)).contains("\"count\":12");

    Response one = unmerge(owner, target, "{\"group_ids\": [\"" + m2 + "\"]}");
    assertThat(one.status()).as(one.body()).isEqualTo(200);
    assertThat(one.json().at("/count").asLong()).isEqualTo(10);
    assertThat(item(m2)).isEqualTo(before.get(m2));
    assertThat(ids(list("?status=all")))
        .containsExactlyInAnyOrder(target.toString(), m2.toString());

    Response all = unmerge(owner, target, "{}");
    assertThat(all.status()).isEqualTo(200);
    before.forEach((id, json) -> assertThat(item(id)).isEqualTo(json));
    assertThat(ids(list("?status=all")))
        .containsExactlyInAnyOrder(target.toString(), m1.toString(), m2.toString());
    assertThat(api.get(errors() + "/" + target, owner.apiKey()).json().at("/merged").size())
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM audit_events WHERE org_id = ? AND action IN"
                    + " ('error.merged', 'error.unmerged')",
                Long.class,
                owner.orgId()))
        .isEqualTo(3);
  }

  @Test
  void noChainsMembersFollowTheirTargetAndMembersStandForTheirTarget() {
    UUID a = group(app, "A", "a", 1, hour, hour, null);
    UUID b = group(app, "B", "b", 1, hour, hour, null);
    UUID c = group(app, "C", "c", 1, hour, hour, null);
    UUID d = group(app, "D", "d", 1, hour, hour, null);
    assertThat(merge(owner, a, "[\"" + b + "\"]").status()).isEqualTo(200);
    // Merging the merged group a into c takes its member b along.
    Response r = merge(owner, c, "[\"" + a + "\"]");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().at("/count").asLong()).isEqualTo(3);
    assertThat(mergedInto(a)).isEqualTo(c);
    assertThat(mergedInto(b)).isEqualTo(c);
    // Merging into a member merges into its target.
    Response into = merge(owner, b, "[\"" + d + "\"]");
    assertThat(into.status()).isEqualTo(200);
    assertThat(into.text("/id")).isEqualTo(c.toString());
    assertThat(mergedInto(d)).isEqualTo(c);
    // A PATCH of a member changes the merged group.
    Response patched = api.patch(errors() + "/" + d, owner.apiKey(), "{\"status\": \"ignored\"}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.text("/id")).isEqualTo(c.toString());
    assertThat(patched.json().at("/count").asLong()).isEqualTo(4);
    assertThat(status(c)).isEqualTo("ignored");
    assertThat(status(d)).isEqualTo("unresolved");
    assertNoChains();
  }

  @Test
  void anotherTenantsOrAppsGroupsAreNotFoundAndMembersMayMerge() {
    UUID mine = group(app, "A", "a", 1, hour, hour, null);
    UUID mine2 = group(app, "B", "b", 1, hour, hour, null);
    Account stranger = api.newAccount("Stranger " + UUID.randomUUID());
    String theirApp = newApp(stranger, "theirs-" + UUID.randomUUID());
    UUID theirs = group(theirApp, "T", "t", 1, hour, hour, null);
    String otherApp = newApp(owner, "other-" + UUID.randomUUID());
    UUID otherAppsGroup = group(otherApp, "O", "o", 1, hour, hour, null);

    assertNotFound(merge(owner, mine, "[\"" + theirs + "\"]"));
    assertNotFound(merge(owner, mine, "[\"" + otherAppsGroup + "\"]"));
    assertNotFound(merge(owner, mine, "[\"" + UUID.randomUUID() + "\"]"));
    assertNotFound(merge(owner, theirs, "[\"" + mine + "\"]"));
    assertNotFound(unmerge(owner, mine, "{\"group_ids\": [\"" + theirs + "\"]}"));
    assertNotFound(
        api.post(
            "/api/v1/apps/" + app + "/errors/" + mine + "/merge",
            stranger.apiKey(),
            "{\"group_ids\": [\"" + mine2 + "\"]}"));
    assertNotFound(
        api.post(
            "/api/v1/apps/" + app + "/errors/not-an-id/merge",
            owner.apiKey(),
            "{\"group_ids\": [\"" + mine2 + "\"]}"));
    assertThat(mergedInto(mine2)).isNull();
    assertThat(mergedInto(theirs)).isNull();

    Account member = api.newAccount("Member " + UUID.randomUUID());
    Teams.join(api, owner, member, "member");
    Response byMember = merge(member, mine, "[\"" + mine2 + "\"]");
    assertThat(byMember.status()).as(byMember.body()).isEqualTo(200);
    assertThat(unmerge(member, mine, "{}").status()).isEqualTo(200);
    assertThat(mergedInto(mine2)).isNull();
  }

  @Test
  void badInputIs400WithTheContractBody() {
    UUID a = group(app, "A", "a", 1, hour, hour, null);
    UUID b = group(app, "B", "b", 1, hour, hour, null);
    String many =
        IntStream.range(0, 101)
            .mapToObj(i -> "\"" + UUID.randomUUID() + "\"")
            .reduce((x, y) -> x + "," + y)
            .orElseThrow();
    Map<String, String> cases =
        Map.of(
            "[\"" + a + "\"]",
            "group_ids[0]",
            "[]",
            "group_ids",
            "[" + many + "]",
            "group_ids",
            "[\"" + b + "\", 7]",
            "group_ids[1]",
            "[\"not-an-id\"]",
            "group_ids[0]",
            "[\"\\u0000" + b + "\"]",
            "group_ids[0]",
            "[\"" + "x".repeat(100_000) + "\"]",
            "group_ids[0]",
            "[\"\\ud800\"]",
            "group_ids[0]",
            "\"" + b + "\"",
            "group_ids");
    cases.forEach(
        (ids, field) -> {
          Response r = merge(owner, a, ids);
          assertThat(r.status()).as(ids.length() > 200 ? field : ids).isEqualTo(400);
          assertThat(r.text("/error")).isEqualTo("invalid_payload");
          assertThat(r.json().at("/message").asString()).isNotBlank();
          assertThat(r.text("/details/0/field")).isEqualTo(field);
        });
    for (String body : List.of("{}", "[]", "{\"group_ids\": null}")) {
      Response r = api.post(errors() + "/" + a + "/merge", owner.apiKey(), body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.text("/error")).isEqualTo("invalid_payload");
    }
    Response notMember = unmerge(owner, a, "{\"group_ids\": [\"" + b + "\"]}");
    assertThat(notMember.status()).isEqualTo(400);
    assertThat(notMember.text("/details/0/field")).isEqualTo("group_ids[0]");
    Response empty = unmerge(owner, a, "{\"group_ids\": []}");
    assertThat(empty.status()).isEqualTo(400);
    Response broken = api.post(errors() + "/" + a + "/merge", owner.apiKey(), "{\"group_ids\": [");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.text("/error")).isEqualTo("invalid_json");
    assertThat(mergedInto(b)).isNull();
  }

  /**
   * Two people merging the same groups in opposite directions at the same moment: whatever order
   * the database puts them in, the groups end as one merged group, never a chain or a cycle.
   */
  @Test
  void racingMergesNeverMakeAChainOrACycle() throws Exception {
    for (int round = 0; round < 10; round++) {
      UUID a = group(app, "A", "a", 1, hour, hour, null);
      UUID b = group(app, "B", "b", 1, hour, hour, null);
      UUID c = group(app, "C", "c", 1, hour, hour, null);
      CyclicBarrier start = new CyclicBarrier(2);
      CompletableFuture<Response> one =
          CompletableFuture.supplyAsync(
              () -> {
                await(start);
                return merge(owner, a, "[\"" + b + "\", \"" + c + "\"]");
              });
      CompletableFuture<Response> two =
          CompletableFuture.supplyAsync(
              () -> {
                await(start);
                return merge(owner, b, "[\"" + a + "\"]");
              });
      List<Integer> statuses = List.of(one.get().status(), two.get().status());
      assertThat(statuses).as(one.get().body() + two.get().body()).isSubsetOf(200, 409);
      assertThat(statuses).contains(200);
      if (statuses.contains(409)) {
        Response conflict = statuses.get(0) == 409 ? one.get() : two.get();
        assertThat(conflict.text("/error")).isEqualTo("conflict");
      }
      assertNoChains();
      // However it went, a and b are one group now.
      UUID rootA = mergedInto(a) == null ? a : mergedInto(a);
      UUID rootB = mergedInto(b) == null ? b : mergedInto(b);
      assertThat(rootA).isEqualTo(rootB);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private void assertNoChains() {
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM error_groups m JOIN error_groups t ON t.id = m.merged_into"
                    + " WHERE t.merged_into IS NOT NULL OR t.app_id <> m.app_id"
                    + " OR NOT t.has_members",
                Long.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM error_groups t WHERE t.has_members AND NOT EXISTS"
                    + " (SELECT 1 FROM error_groups m WHERE m.merged_into = t.id)",
                Long.class))
        .isZero();
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertNotFound(Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(404);
    assertThat(r.text("/error")).isEqualTo("not_found");
  }

  private UUID mergedInto(UUID group) {
    return jdbc.queryForObject(
        "SELECT merged_into FROM error_groups WHERE id = ?", UUID.class, group);
  }

  private String status(UUID group) {
    return jdbc.queryForObject("SELECT status FROM error_groups WHERE id = ?", String.class, group);
  }

  /** The group's list item as the API answers it (its own item when it is not merged). */
  private String item(UUID group) {
    Response r = api.get(errors() + "/" + group, owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    return r.body()
        .replaceAll(",\"hourly\":\\[[^\\]]*\\]", "")
        .replaceAll(",\"merged\":\\[[^\\]]*\\]", "")
        .replaceAll(",\"merged_into\":(null|\"[^\"]*\")", "");
  }

  private Response merge(Account who, UUID target, String ids) {
    return api.post(
        errors() + "/" + target + "/merge", who.apiKey(), "{\"group_ids\": " + ids + "}");
  }

  private Response unmerge(Account who, UUID target, String body) {
    return api.post(errors() + "/" + target + "/unmerge", who.apiKey(), body);
  }

  private String errors() {
    return "/api/v1/apps/" + app + "/errors";
  }

  private Response list(String params) {
    Response r = api.get(errors() + params, owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r;
  }

  private static List<String> ids(Response r) {
    List<String> ids = new ArrayList<>();
    r.json().at("/items").forEach(i -> ids.add(i.at("/id").asString()));
    return ids;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private String newApp(Account account, String name) {
    Response r =
        api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"%s\"}".formatted(name));
    assertThat(r.status()).isEqualTo(201);
    return r.text("/id");
  }

  private UUID group(
      String appId,
      String type,
      String message,
      long count,
      Instant firstSeen,
      Instant lastSeen,
      String firstRelease) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        """
        INSERT INTO error_groups (id, app_id, fingerprint, type, message, count, first_seen,
          last_seen, first_release, last_release)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        id,
        UUID.fromString(appId),
        TokenDigest.sha256Hex(id.toString()),
        type,
        message,
        count,
        Timestamp.from(firstSeen),
        Timestamp.from(lastSeen),
        firstRelease,
        firstRelease);
    return id;
  }

  private void hourly(UUID group, Instant hourStart, long count) {
    jdbc.update(
        "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, ?)",
        group,
        Timestamp.from(hourStart.truncatedTo(ChronoUnit.HOURS)),
        count);
  }

  private void occurrence(UUID group, Instant at, String environment) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, environment, exception)
        VALUES (?, ?, ?, '{"type":"X","message":"m","stacktrace":[]}'::jsonb)
        """,
        group,
        Timestamp.from(at),
        environment);
  }
}
