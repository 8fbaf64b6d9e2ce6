package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.events.TokenDigest;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The errors API over rows written the way the processor writes them: list filters, sorts and
 * cursor pages, detail with hourly counts and the newest occurrence, occurrences, status and
 * assignee changes, every bad parameter, and tenant isolation.
 */
class ITErrorsApi extends ApiIntegrationTest {
  private static final JsonMapper JSON = JsonMapper.shared();
  private static final String EXCEPTION =
      """
      {"type":"java.lang.IllegalStateException","message":"card declined","stacktrace":[\
      {"module":"com.shop.pay","function":"charge","filename":"Charge.java","path":"src/main/java/com/shop/pay/Charge.java","lineno":42,"in_app":true},\
      {"module":"java.base","function":"run","lineno":7,"in_app":false}],\
      "cause":{"type":"java.io.IOException","message":"reset","stacktrace":[]}}""";
  private static final String CONTEXT =
      "{\"request\":{\"method\":\"POST\",\"url\":\"/pay\"},\"tags\":{\"region\":\"eu\"}}";

  @Autowired JdbcTemplate jdbc;

  private Account owner;
  private String app;
  private String otherApp;
  private Instant hour;

  @BeforeEach
  void anAppWithErrors() {
    owner = api.newAccount("Errors Org " + UUID.randomUUID());
    app = newApp(owner, "shop-" + UUID.randomUUID());
    otherApp = newApp(owner, "other-" + UUID.randomUUID());
    hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
  }

  // --- list ---------------------------------------------------------------------------------

  @Test
  void listDefaultsToUnresolvedGroupsByLastSeen() {
    UUID older = group().lastSeen(hour.minus(3, ChronoUnit.HOURS)).insert();
    UUID newer =
        group()
            .type("java.lang.NullPointerException")
            .message("x is null")
            .culprit("com.shop.Cart.add")
            .count(7)
            .firstSeen(Instant.parse("2026-01-02T03:04:05.123456Z"))
            .lastSeen(hour.minus(1, ChronoUnit.HOURS))
            .releases("1.0", "1.2")
            .assignee("dev@example.com", "ownership")
            .insert();
    group().status("resolved").insert();
    group().status("ignored").insert();

    Response r = list("");
    assertThat(r.status()).isEqualTo(200);
    assertThat(ids(r)).containsExactly(newer.toString(), older.toString());
    assertThat(r.json().at("/next_cursor").isNull()).isTrue();
    JsonNode item = r.json().at("/items/0");
    assertThat(item.at("/type").asString()).isEqualTo("java.lang.NullPointerException");
    assertThat(item.at("/message").asString()).isEqualTo("x is null");
    assertThat(item.at("/culprit").asString()).isEqualTo("com.shop.Cart.add");
    assertThat(item.at("/count").asLong()).isEqualTo(7);
    assertThat(item.at("/first_seen").asString()).isEqualTo("2026-01-02T03:04:05.123456Z");
    assertThat(item.at("/last_seen").asString())
        .isEqualTo(hour.minus(1, ChronoUnit.HOURS).toString());
    assertThat(item.at("/first_release").asString()).isEqualTo("1.0");
    assertThat(item.at("/last_release").asString()).isEqualTo("1.2");
    assertThat(item.at("/status").asString()).isEqualTo("unresolved");
    assertThat(item.at("/assignee/email").asString()).isEqualTo("dev@example.com");
    assertThat(item.at("/assignee/reason").asString()).isEqualTo("ownership");
    assertThat(item.has("fingerprint")).isFalse();
    JsonNode second = r.json().at("/items/1");
    assertThat(second.get("assignee").isNull()).isTrue();
    assertThat(second.get("first_release").isNull()).isTrue();
  }

  @Test
  void eachStatusFilterShowsOnlyItsGroups() {
    UUID unresolved = group().lastSeen(hour.minus(1, ChronoUnit.HOURS)).insert();
    UUID resolved = group().status("resolved").lastSeen(hour.minus(2, ChronoUnit.HOURS)).insert();
    UUID ignored = group().status("ignored").lastSeen(hour.minus(3, ChronoUnit.HOURS)).insert();

    assertThat(ids(list("?status=unresolved"))).containsExactly(unresolved.toString());
    assertThat(ids(list("?status=resolved"))).containsExactly(resolved.toString());
    assertThat(ids(list("?status=ignored"))).containsExactly(ignored.toString());
    assertThat(ids(list("?status=all")))
        .containsExactly(unresolved.toString(), resolved.toString(), ignored.toString());
  }

  @Test
  void eachSortIsDescendingWithTiesBrokenById() {
    Instant t = hour.minus(10, ChronoUnit.HOURS);
    UUID a = group().count(5).firstSeen(t).lastSeen(t.plusSeconds(60)).insert();
    UUID b = group().count(50).firstSeen(t.plusSeconds(10)).lastSeen(t.plusSeconds(30)).insert();
    UUID c = group().count(5).firstSeen(t.plusSeconds(20)).lastSeen(t.plusSeconds(20)).insert();

    assertThat(ids(list(""))).containsExactly(a.toString(), b.toString(), c.toString());
    assertThat(ids(list("?sort=last_seen")))
        .containsExactly(a.toString(), b.toString(), c.toString());
    assertThat(ids(list("?sort=first_seen")))
        .containsExactly(c.toString(), b.toString(), a.toString());
    List<String> tied = new ArrayList<>(List.of(a.toString(), c.toString()));
    tied.sort(Comparator.reverseOrder()); // same count: higher id first
    assertThat(ids(list("?sort=count"))).containsExactly(b.toString(), tied.get(0), tied.get(1));
  }

  @Test
  void fromAndToKeepGroupsWithOccurrencesInTheWindow() {
    Instant base = Instant.parse("2026-03-01T00:00:00Z");
    // Occurred at 01:xx and 05:xx only.
    UUID gap =
        group()
            .firstSeen(base.plus(Duration.ofHours(1)).plusSeconds(120))
            .lastSeen(base.plus(Duration.ofHours(5)).plusSeconds(60))
            .hourly(base.plus(Duration.ofHours(1)), 2)
            .hourly(base.plus(Duration.ofHours(5)), 1)
            .insert();
    // Occurred at 03:xx.
    UUID middle =
        group()
            .firstSeen(base.plus(Duration.ofHours(3)).plusSeconds(1800))
            .lastSeen(base.plus(Duration.ofHours(3)).plusSeconds(1900))
            .hourly(base.plus(Duration.ofHours(3)), 4)
            .insert();

    assertThat(ids(window("2026-03-01T00:00:00Z", "2026-03-01T02:00:00Z")))
        .containsExactly(gap.toString());
    assertThat(ids(window("2026-03-01T02:00:00Z", "2026-03-01T05:00:00Z")))
        .containsExactly(middle.toString());
    assertThat(ids(window("2026-03-01T05:00:00Z", "2026-03-02T00:00:00Z")))
        .containsExactly(gap.toString());
    assertThat(ids(window("2026-03-01T06:00:00Z", "2026-03-02T00:00:00Z"))).isEmpty();
    assertThat(ids(window("2026-03-01T03:00:00+02:00", "2026-03-01T04:00:00Z")))
        .containsExactly(gap.toString(), middle.toString());
    // Within one hour bucket, first_seen and last_seen still bound the group exactly.
    assertThat(ids(window("2026-03-01T03:00:00Z", "2026-03-01T03:29:00Z"))).isEmpty();
    assertThat(ids(list("?status=all&from=2026-03-01T04:00:00Z"))).containsExactly(gap.toString());
    assertThat(ids(list("?status=all&to=2026-03-01T02:00:00Z"))).containsExactly(gap.toString());
  }

  @Test
  void releaseMeansFirstSeenInThatRelease() {
    UUID born = group().releases("2.0", "2.1").lastSeen(hour.minus(1, ChronoUnit.HOURS)).insert();
    group().releases("1.9", "2.0").insert();
    group().insert();

    assertThat(ids(list("?release=2.0"))).containsExactly(born.toString());
    assertThat(ids(list("?release=3.0"))).isEmpty();
  }

  @Test
  void assigneeFiltersByEmailOrNone() {
    UUID ann =
        group().assignee("Ann@Example.com", "ownership").lastSeen(hour.minusSeconds(10)).insert();
    UUID bob =
        group().assignee("bob@example.com", "manual").lastSeen(hour.minusSeconds(20)).insert();
    UUID nobody = group().lastSeen(hour.minusSeconds(30)).insert();

    assertThat(ids(list("?assignee=ann@example.com"))).containsExactly(ann.toString());
    assertThat(ids(list("?assignee=BOB@EXAMPLE.COM"))).containsExactly(bob.toString());
    assertThat(ids(list("?assignee=none"))).containsExactly(nobody.toString());
    assertThat(ids(list("?assignee=carol@example.com"))).isEmpty();
  }

  @Test
  void cursorsWalkEverySortWithoutDuplicatesOrGaps() {
    Instant t = hour.minus(2, ChronoUnit.DAYS);
    List<UUID> all = new ArrayList<>();
    for (int i = 0; i < 47; i++) {
      // Few distinct keys, so many ties sit on page boundaries.
      Instant seen = t.plus(i % 5, ChronoUnit.MINUTES).plusNanos((i % 3) * 1000L);
      all.add(group().count(1 + i % 4).firstSeen(seen.minusSeconds(i % 7)).lastSeen(seen).insert());
    }
    for (String sort : List.of("last_seen", "count", "first_seen")) {
      List<String> walked = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        Response page =
            list("?sort=" + sort + "&limit=10" + (cursor == null ? "" : "&cursor=" + cursor));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().at("/items").size()).isLessThanOrEqualTo(10);
        walked.addAll(ids(page));
        JsonNode next = page.json().at("/next_cursor");
        cursor = next.isNull() ? null : next.asString();
        pages++;
      } while (cursor != null);
      assertThat(pages).as(sort).isEqualTo(5);
      assertThat(new HashSet<>(walked)).as(sort).hasSize(47);
      assertThat(walked).as(sort).isEqualTo(ids(list("?sort=" + sort + "&limit=100")));
      assertThat(walked)
          .containsExactlyInAnyOrderElementsOf(all.stream().map(UUID::toString).toList());
    }
  }

  @Test
  void aFullLastPageHasNoCursor() {
    group().insert();
    group().insert();
    assertThat(list("?limit=2").json().at("/next_cursor").isNull()).isTrue();
    Response first = list("?limit=1");
    Response second = list("?limit=1&cursor=" + first.text("/next_cursor"));
    assertThat(second.json().at("/items")).hasSize(1);
    assertThat(second.json().at("/next_cursor").isNull()).isTrue();
  }

  @Test
  void everyBadListParameterIsNamed() {
    group().insert();
    group().insert();
    String countCursor = list("?sort=count&limit=1").text("/next_cursor");
    String fabricated =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("v1:last_seen:-5:not-a-uuid".getBytes(StandardCharsets.US_ASCII));
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry("status=open", "status"),
            Map.entry("status=", "status"),
            Map.entry("status=ALL", "status"),
            Map.entry("sort=name", "sort"),
            Map.entry("sort=-count", "sort"),
            Map.entry("from=yesterday", "from"),
            Map.entry("from=2026-03-01", "from"),
            Map.entry("from=2026-02-30T00:00:00Z", "from"),
            Map.entry("from=0000-01-01T00:00:00Z", "from"),
            Map.entry("to=1700000000", "to"),
            Map.entry("to=2026-03-01T00:00:00", "to"),
            Map.entry("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
            Map.entry("from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
            Map.entry("release=", "release"),
            Map.entry("release=" + enc("1.0\u0000"), "release"),
            Map.entry("assignee=", "assignee"),
            Map.entry("assignee=nobody", "assignee"),
            Map.entry("assignee=" + enc("a b@example.com"), "assignee"),
            Map.entry("assignee=" + enc("a\u0000@example.com"), "assignee"),
            Map.entry("limit=0", "limit"),
            Map.entry("limit=101", "limit"),
            Map.entry("limit=-1", "limit"),
            Map.entry("limit=ten", "limit"),
            Map.entry("limit=2.5", "limit"),
            Map.entry("limit=99999999999999999999", "limit"),
            Map.entry("limit=", "limit"),
            Map.entry("cursor=", "cursor"),
            Map.entry("cursor=!!!", "cursor"),
            Map.entry("cursor=" + fabricated, "cursor"),
            Map.entry("cursor=" + countCursor, "cursor"),
            Map.entry("sort=first_seen&cursor=" + countCursor, "cursor"));
    bad.forEach(
        (query, field) -> {
          Response r = list("?" + query);
          assertThat(r.status()).as(query).isEqualTo(400);
          assertThat(r.text("/error")).as(query).isEqualTo("invalid_payload");
          assertThat(r.json().at("/details").findValuesAsString("field"))
              .as(query)
              .containsExactly(field);
          assertThat(r.text("/details/0/problem")).as(query).isNotBlank();
        });
    Response many = list("?status=x&sort=y&limit=0");
    assertThat(many.json().at("/details").findValuesAsString("field"))
        .containsExactly("status", "sort", "limit");
    // The count cursor is fine with its own sort.
    assertThat(list("?sort=count&cursor=" + countCursor).status()).isEqualTo(200);
  }

  @Test
  void extremeButValidParametersAreNoServerError() {
    group().insert();
    for (String query :
        List.of(
            "?from=0001-01-01T00:00:00Z",
            "?to=0001-01-01T00:00:01Z",
            "?from=9999-12-31T23:00:00Z",
            "?to=9999-12-31T23:59:59.999999Z",
            "?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
            "?release=" + enc("ü'\"; DROP TABLE error_groups; --"),
            "?assignee=" + enc("o'brien@example.com"),
            "?limit=100&status=all&sort=count&from=2026-01-01T00:00:00.123456789-12:00")) {
      Response r = list(query);
      assertThat(r.status()).as(query).isEqualTo(200);
    }
  }

  // --- detail and occurrences ----------------------------------------------------------------

  @Test
  void detailHasFingerprintZeroFilledHoursAndTheNewestOccurrence() {
    UUID id =
        group()
            .lastSeen(hour.plusSeconds(5))
            .hourly(hour, 3)
            .hourly(hour.minus(5, ChronoUnit.HOURS), 2)
            .hourly(hour.minus(30, ChronoUnit.HOURS), 9) // outside the default 24 hours
            .insert();
    occurrence(id, hour.minus(5, ChronoUnit.HOURS), "older", "{}", null);
    long newest = occurrence(id, hour.plusSeconds(5), "newest", EXCEPTION, CONTEXT);
    String fingerprint =
        jdbc.queryForObject("SELECT fingerprint FROM error_groups WHERE id = ?", String.class, id);

    Response r = api.get(errors() + "/" + id, owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text("/id")).isEqualTo(id.toString());
    assertThat(r.text("/fingerprint")).isEqualTo(fingerprint).matches("[0-9a-f]{64}");
    assertThat(r.text("/status")).isEqualTo("unresolved");
    assertThat(r.json().has("suspect_commit")).isTrue();
    assertThat(r.json().get("suspect_commit").isNull()).isTrue();

    JsonNode hourly = r.json().at("/hourly");
    assertThat(hourly).hasSize(24);
    assertThat(hourly.get(0).at("/t").asString())
        .isEqualTo(hour.minus(23, ChronoUnit.HOURS).toString());
    assertThat(hourly.get(23).at("/t").asString()).isEqualTo(hour.toString());
    assertThat(hourly.get(23).at("/count").asLong()).isEqualTo(3);
    assertThat(hourly.get(18).at("/count").asLong()).isEqualTo(2);
    long total = 0;
    for (JsonNode p : hourly) {
      total += p.at("/count").asLong();
    }
    assertThat(total).isEqualTo(5);

    JsonNode latest = r.json().at("/latest");
    assertThat(latest.at("/id").asLong()).isEqualTo(newest);
    assertThat(latest.at("/event_id").asString()).isEqualTo("newest");
    assertThat(latest.at("/occurred_at").asString()).isEqualTo(hour.plusSeconds(5).toString());
    assertThat(latest.at("/environment").asString()).isEqualTo("production");
    assertThat(latest.at("/release").asString()).isEqualTo("1.2");
    assertThat(latest.at("/transaction_name").asString()).isEqualTo("POST /pay");
    assertThat(latest.at("/message").asString()).isEqualTo("card declined");
    assertThat(latest.at("/exception")).isEqualTo(JSON.readTree(EXCEPTION));
    assertThat(latest.at("/exception/stacktrace/0/in_app").asBoolean()).isTrue();
    assertThat(latest.at("/context")).isEqualTo(JSON.readTree(CONTEXT));
  }

  @Test
  void detailHourlyFollowsFromAndTo() {
    Instant base = Instant.parse("2026-03-01T00:00:00Z");
    UUID id = group().hourly(base.plus(Duration.ofHours(2)), 6).insert();

    Response r =
        api.get(
            errors() + "/" + id + "?from=2026-03-01T00:30:00Z&to=2026-03-01T04:00:00Z",
            owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().at("/hourly").findValuesAsString("t"))
        .containsExactly(
            "2026-03-01T00:00:00Z",
            "2026-03-01T01:00:00Z",
            "2026-03-01T02:00:00Z",
            "2026-03-01T03:00:00Z");
    assertThat(r.json().at("/hourly/2/count").asLong()).isEqualTo(6);
    assertThat(r.json().at("/latest").isNull()).isTrue();

    Response fromOnly = api.get(errors() + "/" + id + "?from=2026-03-01T00:00:00Z", owner.apiKey());
    assertThat(fromOnly.json().at("/hourly")).hasSize(24);
    for (String query :
        List.of(
            "from=nope",
            "to=2026-03-01T00:00:00Z&from=2026-03-01T00:00:00Z",
            "from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z",
            "to=0001-01-01T01:00:00Z")) {
      Response bad = api.get(errors() + "/" + id + "?" + query, owner.apiKey());
      assertThat(bad.status()).as(query).isEqualTo(400);
      assertThat(bad.text("/details/0/field")).as(query).isIn("from", "to");
    }
  }

  @Test
  void occurrencesAreNewestFirstAndLimited() {
    UUID id = group().insert();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(occurrence(id, hour.minus(25 - i, ChronoUnit.MINUTES), "e" + i, EXCEPTION, null));
    }
    // Two at the same instant: the later-stored one counts as newer.
    ids.add(occurrence(id, hour, "same-1", "{}", null));
    ids.add(occurrence(id, hour, "same-2", "{}", null));
    List<Long> newestFirst = ids.reversed();

    Response byDefault = api.get(errors() + "/" + id + "/occurrences", owner.apiKey());
    assertThat(byDefault.status()).isEqualTo(200);
    assertThat(longs(byDefault, "id")).isEqualTo(newestFirst.subList(0, 20));
    assertThat(byDefault.text("/items/0/event_id")).isEqualTo("same-2");
    assertThat(byDefault.json().at("/items/2/exception")).isEqualTo(JSON.readTree(EXCEPTION));
    assertThat(byDefault.json().at("/items/2/context").isNull()).isTrue();

    Response three = api.get(errors() + "/" + id + "/occurrences?limit=3", owner.apiKey());
    assertThat(longs(three, "id")).isEqualTo(newestFirst.subList(0, 3));
    Response all = api.get(errors() + "/" + id + "/occurrences?limit=100", owner.apiKey());
    assertThat(longs(all, "id")).isEqualTo(newestFirst);

    for (String limit : List.of("0", "101", "x", "")) {
      Response bad = api.get(errors() + "/" + id + "/occurrences?limit=" + limit, owner.apiKey());
      assertThat(bad.status()).as(limit).isEqualTo(400);
      assertThat(bad.text("/details/0/field")).isEqualTo("limit");
    }
  }

  // --- changes -------------------------------------------------------------------------------

  @Test
  void patchChangesStatusAndAssignee() {
    UUID id = group().assignee("auto@example.com", "ownership").insert();

    Response resolved = patch(id, "{\"status\": \"resolved\"}");
    assertThat(resolved.status()).isEqualTo(200);
    assertThat(resolved.text("/id")).isEqualTo(id.toString());
    assertThat(resolved.text("/status")).isEqualTo("resolved");
    assertThat(resolved.text("/assignee/email")).isEqualTo("auto@example.com");
    assertThat(resolved.text("/assignee/reason")).isEqualTo("ownership");
    assertThat(ids(list("?status=resolved"))).containsExactly(id.toString());

    Response assigned = patch(id, "{\"assignee_email\": \" Dana@Example.COM \"}");
    assertThat(assigned.status()).isEqualTo(200);
    assertThat(assigned.text("/status")).isEqualTo("resolved");
    assertThat(assigned.text("/assignee/email")).isEqualTo("dana@example.com");
    assertThat(assigned.text("/assignee/reason")).isEqualTo("manual");

    assertThat(assigned.json().at("/assignee/member").isNull()).isTrue(); // not in the org

    // Assigned to a member: linked to their account.
    Response member = patch(id, "{\"assignee_email\": \"" + owner.email().toUpperCase() + "\"}");
    assertThat(member.text("/assignee/member/id")).isEqualTo(owner.userId().toString());
    assertThat(member.text("/assignee/member/name")).isEqualTo("Test User");

    Response both = patch(id, "{\"status\": \"ignored\", \"assignee_email\": \"eve@example.com\"}");
    assertThat(both.text("/status")).isEqualTo("ignored");
    assertThat(both.text("/assignee/email")).isEqualTo("eve@example.com");

    Response unassigned = patch(id, "{\"assignee_email\": null, \"unknown\": 1}");
    assertThat(unassigned.status()).isEqualTo(200);
    assertThat(unassigned.json().get("assignee").isNull()).isTrue();
    assertThat(unassigned.text("/status")).isEqualTo("ignored");
    // The unassignment is remembered as a person's decision, for automatic assigners to respect.
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT assignee_email, assignee_reason FROM error_groups WHERE id = ?", id);
    assertThat(row.get("assignee_email")).isNull();
    assertThat(row.get("assignee_reason")).isEqualTo("manual");

    Response detail = api.get(errors() + "/" + id, owner.apiKey());
    assertThat(detail.text("/status")).isEqualTo("ignored");
    assertThat(detail.json().get("assignee").isNull()).isTrue();
  }

  @Test
  void badPatchesAreRefusedAndChangeNothing() {
    UUID id = group().insert();
    Map<String, String> invalidPayload =
        Map.ofEntries(
            Map.entry("{}", "$"),
            Map.entry("{\"assignee\": \"a@example.com\"}", "$"),
            Map.entry("[]", "$"),
            Map.entry("\"resolved\"", "$"),
            Map.entry("{\"status\": \"closed\"}", "status"),
            Map.entry("{\"status\": \"all\"}", "status"),
            Map.entry("{\"status\": null}", "status"),
            Map.entry("{\"status\": 1}", "status"),
            Map.entry("{\"status\": [\"resolved\"]}", "status"),
            Map.entry("{\"assignee_email\": \"not-an-email\"}", "assignee_email"),
            Map.entry("{\"assignee_email\": \"\"}", "assignee_email"),
            Map.entry("{\"assignee_email\": 42}", "assignee_email"),
            Map.entry("{\"assignee_email\": {}}", "assignee_email"),
            Map.entry(
                "{\"status\": \"resolved\", \"assignee_email\": \"nope\"}", "assignee_email"));
    invalidPayload.forEach(
        (body, field) -> {
          Response r = patch(id, body);
          assertThat(r.status()).as(body).isEqualTo(400);
          assertThat(r.text("/error")).as(body).isEqualTo("invalid_payload");
          assertThat(r.json().at("/details").findValuesAsString("field"))
              .as(body)
              .containsExactly(field);
        });
    for (String body :
        List.of(
            "",
            "{",
            "{\"status\": \"resolved\"} {}",
            "{\"status\": \"resolved\", \"status\": \"ignored\"}",
            "{\"status\": 'resolved'}")) {
      Response r = patch(id, body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.text("/error")).as(body).isEqualTo("invalid_json");
    }
    Response r =
        api.send(
            api.request(errors() + "/" + id, owner.apiKey())
                .header("Content-Type", "text/plain")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(r.status()).isEqualTo(415);

    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT status, assignee_email, assignee_reason FROM error_groups WHERE id = ?", id);
    assertThat(row.get("status")).isEqualTo("unresolved");
    assertThat(row.get("assignee_email")).isNull();
    assertThat(row.get("assignee_reason")).isNull();
  }

  @Test
  void detailShowsTheSuspectCommitAndRegressedFromTheColumns() {
    UUID id = group().insert();
    UUID plain = group().lastSeen(hour.minus(2, ChronoUnit.HOURS)).insert();
    jdbc.update(
        """
        UPDATE error_groups SET suspect_sha = ?, suspect_author_email = 'alice@example.com',
          suspect_message = 'Cache user lookups', suspect_path = 'src/main/java/com/shop/pay/Charge.java',
          suspect_lines = '[[40, 48], [60, 60]]'::jsonb, suspect_frame = 'com.shop.pay.charge:42',
          suspect_release = '1.2', regressed = true
        WHERE id = ?
        """,
        "9fceb02d0ae598e95dc970b74767f19372d61af8",
        id);

    Response r = api.get(errors() + "/" + id, owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("regressed").asBoolean()).isTrue();
    JsonNode suspect = r.json().get("suspect_commit");
    assertThat(suspect)
        .isEqualTo(
            JSON.readTree(
                """
                {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
                 "author_email": "alice@example.com", "message": "Cache user lookups",
                 "path": "src/main/java/com/shop/pay/Charge.java", "lines": [[40, 48], [60, 60]],
                 "frame": "com.shop.pay.charge:42", "release": "1.2"}
                """));

    // Without lines (CI sent none) the commit is still shown, with null lines.
    jdbc.update("UPDATE error_groups SET suspect_lines = NULL WHERE id = ?", id);
    JsonNode noLines = api.get(errors() + "/" + id, owner.apiKey()).json().at("/suspect_commit");
    assertThat(noLines.get("lines").isNull()).isTrue();
    assertThat(noLines.get("sha").asString()).startsWith("9fceb02d");

    Response other = api.get(errors() + "/" + plain, owner.apiKey());
    assertThat(other.json().get("suspect_commit").isNull()).isTrue();
    assertThat(other.json().get("regressed").asBoolean()).isFalse();

    Response listed = list("");
    assertThat(ids(listed)).containsExactly(id.toString(), plain.toString());
    assertThat(listed.json().at("/items/0/regressed").asBoolean()).isTrue();
    assertThat(listed.json().at("/items/1/regressed").isBoolean()).isTrue();
    assertThat(listed.json().at("/items/1/regressed").asBoolean()).isFalse();
    assertThat(listed.json().at("/items/0").has("suspect_commit")).isFalse();
  }

  @Test
  void resolvingRecordsTheNewestReleaseOfTheNewestOccurrencesEnvironment() {
    UUID id = group().insert();
    jdbc.update("UPDATE error_groups SET regressed = true WHERE id = ?", id);
    occurrenceIn("production", id, hour.minus(2, ChronoUnit.HOURS), "old");
    occurrenceIn("staging", id, hour.minus(1, ChronoUnit.HOURS), "new");
    Instant now = Instant.now();
    release("s-1", "staging", now.minus(3, ChronoUnit.HOURS));
    release("s-2", "staging", now.minus(1, ChronoUnit.HOURS));
    // Posted last, but deployed before s-2: the deploy time decides, not the posting order.
    release("s-0", "staging", now.minus(5, ChronoUnit.HOURS));
    release("p-9", "production", now.minusSeconds(60));

    Instant before = Instant.now();
    Response resolved = patch(id, "{\"status\": \"resolved\"}");
    Instant after = Instant.now();
    assertThat(resolved.status()).isEqualTo(200);
    assertThat(resolved.text("/resolved_in_release")).isEqualTo("s-2");
    assertThat(resolved.text("/resolved_environment")).isEqualTo("staging");
    assertThat(resolved.json().get("regressed").asBoolean()).isFalse();
    Map<String, Object> row = resolution(id);
    assertThat(row.get("resolved_in_release")).isEqualTo("s-2");
    assertThat(row.get("resolved_environment")).isEqualTo("staging");
    assertThat(row.get("regressed")).isEqualTo(false);
    Instant at = ((Timestamp) row.get("resolved_at")).toInstant();
    assertThat(at).isBetween(before.minusSeconds(1), after.plusSeconds(1));
    assertThat(Instant.parse(resolved.text("/resolved_at"))).isEqualTo(at);

    // Resolving a resolved group again keeps what was recorded.
    release("s-3", "staging", now);
    assertThat(patch(id, "{\"status\": \"resolved\"}").text("/resolved_in_release"))
        .isEqualTo("s-2");

    // Reopening or ignoring clears the resolution; resolving anew records the newest release.
    Response reopened = patch(id, "{\"status\": \"unresolved\"}");
    assertThat(reopened.json().get("resolved_at").isNull()).isTrue();
    assertThat(resolution(id))
        .containsEntry("resolved_at", null)
        .containsEntry("resolved_in_release", null)
        .containsEntry("resolved_environment", null);
    assertThat(patch(id, "{\"status\": \"resolved\"}").text("/resolved_in_release"))
        .isEqualTo("s-3");
    patch(id, "{\"status\": \"ignored\"}");
    assertThat(resolution(id))
        .containsEntry("resolved_at", null)
        .containsEntry("resolved_in_release", null)
        .containsEntry("resolved_environment", null);

    Response detail = api.get(errors() + "/" + id, owner.apiKey());
    assertThat(detail.json().get("resolved_in_release").isNull()).isTrue();
  }

  @Test
  void resolvingWithoutOccurrencesOrReleasesRecordsOnlyTheTime() {
    UUID none = group().insert();
    Response r = patch(none, "{\"status\": \"resolved\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("resolved_at").isNull()).isFalse();
    assertThat(r.json().get("resolved_in_release").isNull()).isTrue();
    assertThat(r.json().get("resolved_environment").isNull()).isTrue();

    // An environment with no release of this app (another app's release does not count).
    UUID noRelease = group().insert();
    occurrenceIn("canary", noRelease, hour, "e");
    String otherAppRelease =
        """
        {"version": "c-1", "environment": "canary"}""";
    assertThat(
            api.post("/api/v1/apps/" + otherApp + "/releases", owner.apiKey(), otherAppRelease)
                .status())
        .isEqualTo(201);
    Response r2 = patch(noRelease, "{\"status\": \"resolved\"}");
    assertThat(r2.text("/resolved_environment")).isEqualTo("canary");
    assertThat(r2.json().get("resolved_in_release").isNull()).isTrue();
  }

  @Test
  void aManualAssignmentWritesOneNotificationInTheSameTransaction() {
    UUID id =
        group()
            .type("java.lang.NullPointerException")
            .message("x is null")
            .culprit("com.shop.Cart.add")
            .assignee("auto@example.com", "ownership")
            .insert();

    Response assigned = patch(id, "{\"assignee_email\": \"Dana@Example.com\"}");
    assertThat(assigned.status()).isEqualTo(200);
    List<Map<String, Object>> rows = notifications(id);
    assertThat(rows).hasSize(1);
    Map<String, Object> n = rows.getFirst();
    assertThat(n.get("kind")).isEqualTo("assigned");
    assertThat(n.get("app_id").toString()).isEqualTo(app);
    assertThat(n.get("dispatched_at")).isNull();
    assertThat(JSON.readTree((String) n.get("payload")))
        .isEqualTo(
            JSON.readTree(
                """
                {"group_id": "%s", "type": "java.lang.NullPointerException",
                 "message": "x is null", "culprit": "com.shop.Cart.add",
                 "release": null, "environment": null,
                 "assignee_email": "dana@example.com", "reason": "assigned by %s"}
                """
                    .formatted(id, owner.email())));
    // The group's new row version and the notification were written by one transaction.
    assertThat(n.get("xmin"))
        .isEqualTo(
            jdbc.queryForObject(
                "SELECT xmin::text FROM error_groups WHERE id = ?", String.class, id));

    // Unassigning, assigning the same person again, or changing only the status: no news.
    patch(id, "{\"status\": \"resolved\", \"assignee_email\": \"dana@example.com\"}");
    patch(id, "{\"status\": \"unresolved\"}");
    patch(id, "{\"assignee_email\": null}");
    assertThat(notifications(id)).hasSize(1);

    // Assigning again after the unassignment is news.
    patch(id, "{\"assignee_email\": \"dana@example.com\"}");
    patch(id, "{\"assignee_email\": \"erin@example.com\"}");
    assertThat(notifications(id))
        .extracting(r -> JSON.readTree((String) r.get("payload")).at("/assignee_email").asString())
        .containsExactly("dana@example.com", "dana@example.com", "erin@example.com");

    // A refused change writes nothing.
    assertThat(patch(id, "{\"assignee_email\": \"nope\"}").status()).isEqualTo(400);
    assertThat(notifications(id)).hasSize(3);
  }

  // --- isolation -----------------------------------------------------------------------------

  @Test
  void groupsOfOtherAppsAndTenantsAreNotFound() {
    UUID mine = group().insert();
    occurrence(mine, hour, "mine", EXCEPTION, CONTEXT);
    UUID ofOtherApp = new GroupRow(UUID.fromString(otherApp)).insert();
    Account stranger = api.newAccount("Stranger Org");

    // Another tenant: 404 on every endpoint, with the body a missing app gets.
    String missingApp = api.get("/api/v1/apps/" + UUID.randomUUID(), stranger.apiKey()).body();
    for (Response r :
        List.of(
            api.get(errors(), stranger.apiKey()),
            api.get(errors() + "?status=bogus", stranger.apiKey()),
            api.get(errors() + "/" + mine, stranger.apiKey()),
            api.get(errors() + "/" + mine + "/occurrences", stranger.apiKey()),
            api.patch(errors() + "/" + mine, stranger.apiKey(), "{\"status\": \"resolved\"}"),
            api.patch(errors() + "/" + mine, stranger.apiKey(), "{\"status\": \"bogus\"}"))) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.text("/error")).isEqualTo("not_found");
      assertThat(r.body()).isEqualTo(missingApp).doesNotContain(mine.toString());
    }

    // The caller's other app's group, a missing group and a malformed id under this app: 404.
    for (String group : List.of(ofOtherApp.toString(), UUID.randomUUID().toString(), "42", "x y")) {
      String path = errors() + "/" + enc(group);
      List<Response> answers =
          List.of(
              api.get(path, owner.apiKey()),
              api.get(path + "/occurrences", owner.apiKey()),
              api.patch(path, owner.apiKey(), "{\"status\": \"resolved\"}"));
      for (Response r : answers) {
        assertThat(r.status()).as(group).isEqualTo(404);
        assertThat(r.text("/error")).isEqualTo("not_found");
        assertThat(r.text("/message")).isEqualTo("The error group was not found.");
      }
    }
    assertThat(ids(list("?status=all"))).containsExactly(mine.toString());
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM error_groups WHERE id = ?", String.class, ofOtherApp))
        .isEqualTo("unresolved");
    assertThat(
            jdbc.queryForObject("SELECT status FROM error_groups WHERE id = ?", String.class, mine))
        .isEqualTo("unresolved");
  }

  // --- helpers -------------------------------------------------------------------------------

  private String newApp(Account account, String name) {
    Response r =
        api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"%s\"}".formatted(name));
    assertThat(r.status()).isEqualTo(201);
    return r.text("/id");
  }

  private String errors() {
    return "/api/v1/apps/" + app + "/errors";
  }

  private Response list(String query) {
    return api.get(errors() + query, owner.apiKey());
  }

  private Response window(String from, String to) {
    return list("?status=all&from=" + enc(from) + "&to=" + enc(to));
  }

  private Response patch(UUID group, String body) {
    return api.patch(errors() + "/" + group, owner.apiKey(), body);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static List<String> ids(Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().at("/items").findValuesAsString("id");
  }

  private static List<Long> longs(Response r, String field) {
    List<Long> out = new ArrayList<>();
    r.json().at("/items").forEach(n -> out.add(n.get(field).asLong()));
    return out;
  }

  private void release(String version, String environment, Instant deployedAt) {
    Response r =
        api.post(
            "/api/v1/apps/" + app + "/releases",
            owner.apiKey(),
            """
            {"version": "%s", "environment": "%s", "deployed_at": "%s"}"""
                .formatted(version, environment, deployedAt));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  private Map<String, Object> resolution(UUID group) {
    return jdbc.queryForMap(
        """
        SELECT resolved_at, resolved_in_release, resolved_environment, regressed
        FROM error_groups WHERE id = ?
        """,
        group);
  }

  private List<Map<String, Object>> notifications(UUID group) {
    return jdbc.queryForList(
        """
        SELECT id, app_id, kind, payload::text AS payload, created_at, dispatched_at,
          xmin::text AS xmin
        FROM notifications WHERE group_id = ? ORDER BY created_at, id
        """,
        group);
  }

  private void occurrenceIn(String environment, UUID group, Instant at, String eventId) {
    jdbc.update(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment, release,
          transaction_name, message, exception)
        VALUES (?, ?, ?, ?, '1.2', 'POST /pay', 'card declined', '{}'::jsonb)
        """,
        group,
        Timestamp.from(at),
        eventId,
        environment);
  }

  private GroupRow group() {
    return new GroupRow(UUID.fromString(app));
  }

  private long occurrence(
      UUID group, Instant at, String eventId, String exception, String context) {
    return jdbc.queryForObject(
        """
        INSERT INTO error_occurrences (group_id, occurred_at, event_id, environment, release,
          transaction_name, message, exception, context)
        VALUES (?, ?, ?, 'production', '1.2', 'POST /pay', 'card declined', ?::jsonb, ?::jsonb)
        RETURNING id
        """,
        Long.class,
        group,
        Timestamp.from(at),
        eventId,
        exception,
        context);
  }

  /** An error_groups row (with its hourly counts) as the processor would write it. */
  private final class GroupRow {
    private final UUID appId;
    private String type = "java.lang.IllegalStateException";
    private String message = "boom";
    private String culprit = "com.shop.Pay.charge";
    private long count = 1;
    private Instant firstSeen = hour.minus(30, ChronoUnit.DAYS);
    private Instant lastSeen = hour.minus(10, ChronoUnit.MINUTES);
    private String firstRelease;
    private String lastRelease;
    private String status = "unresolved";
    private String assigneeEmail;
    private String assigneeReason;
    private final List<Map.Entry<Instant, Long>> hourly = new ArrayList<>();

    GroupRow(UUID appId) {
      this.appId = appId;
    }

    GroupRow type(String v) {
      return set(g -> g.type = v);
    }

    GroupRow message(String v) {
      return set(g -> g.message = v);
    }

    GroupRow culprit(String v) {
      return set(g -> g.culprit = v);
    }

    GroupRow count(long v) {
      return set(g -> g.count = v);
    }

    GroupRow firstSeen(Instant v) {
      return set(g -> g.firstSeen = v);
    }

    GroupRow lastSeen(Instant v) {
      return set(g -> g.lastSeen = v);
    }

    GroupRow releases(String first, String last) {
      return set(
          g -> {
            g.firstRelease = first;
            g.lastRelease = last;
          });
    }

    GroupRow status(String v) {
      return set(g -> g.status = v);
    }

    GroupRow assignee(String email, String reason) {
      return set(
          g -> {
            g.assigneeEmail = email;
            g.assigneeReason = reason;
          });
    }

    GroupRow hourly(Instant hourStart, long n) {
      return set(g -> g.hourly.add(Map.entry(hourStart, n)));
    }

    private GroupRow set(Consumer<GroupRow> change) {
      change.accept(this);
      return this;
    }

    UUID insert() {
      UUID id = UUID.randomUUID();
      String fingerprint = TokenDigest.sha256Hex(id.toString());
      jdbc.update(
          """
          INSERT INTO error_groups (id, app_id, fingerprint, type, message, culprit, count,
            first_seen, last_seen, first_release, last_release, status, assignee_email,
            assignee_reason)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
          id,
          appId,
          fingerprint,
          type,
          message,
          culprit,
          count,
          Timestamp.from(firstSeen),
          Timestamp.from(lastSeen),
          firstRelease,
          lastRelease,
          status,
          assigneeEmail,
          assigneeReason);
      for (Map.Entry<Instant, Long> h : hourly) {
        jdbc.update(
            "INSERT INTO error_hourly (group_id, hour, count) VALUES (?, ?, ?)",
            id,
            Timestamp.from(h.getKey()),
            h.getValue());
      }
      return id;
    }
  }
}
