package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.api.servicemap.ServiceMapQueries;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The service map API: exact edges from the callers' destination counts, destinations named after
 * the org's apps from its kept traces (most evidence wins, never another org's app), trace-only
 * edges flagged as sampled, for the org's members only, bounded and fast.
 */
class ITServiceMapApi extends ApiIntegrationTest {
  @Autowired JdbcTemplate jdbcTemplate;
  @Autowired JdbcClient jdbc;
  @Autowired TransactionTemplate tx;

  private TraceRows traces;
  private DestinationRows metrics;
  private Account owner;
  private String frontend;
  private String inventory;
  private String payments;

  /** A whole minute half an hour ago: the window is the 20 minutes around it. */
  private final Instant t =
      Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(30, ChronoUnit.MINUTES);

  private final Instant from = t.minus(10, ChronoUnit.MINUTES);
  private final Instant to = t.plus(10, ChronoUnit.MINUTES);

  @BeforeEach
  void threeAppsOfAnOrg() {
    traces = new TraceRows(jdbcTemplate);
    metrics = new DestinationRows(jdbcTemplate);
    owner = api.newAccount("Map Org " + UUID.randomUUID());
    frontend = app(owner, "frontend");
    inventory = app(owner, "inventory");
    payments = app(owner, "payments");
  }

  private String app(Account account, String name) {
    return api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": %s}".formatted(TraceRows.json(name)))
        .text("/id");
  }

  /**
   * One kept call in a trace of its own: {@code caller}'s transaction has an exit span naming
   * {@code destination} (null: none) that is the parent of {@code callee}'s transaction.
   *
   * @return the callee's sample id
   */
  private UUID call(String caller, String callee, String destination, Instant at, String outcome) {
    String trace = TraceRows.traceId();
    String root = TraceRows.spanId();
    String span = TraceRows.spanId();
    traces.transaction(
        caller,
        trace,
        root,
        null,
        "GET /checkout",
        at,
        100,
        "success",
        "["
            + TraceRows.span(span, root, "call", "external.http", destination, "success", 1, 50)
            + "]");
    return traces.transaction(
        callee,
        trace,
        TraceRows.spanId(),
        span,
        "GET /served",
        at.plusMillis(2),
        40,
        outcome,
        "[]");
  }

  private String path(UUID org) {
    return "/api/v1/orgs/" + org + "/service-map";
  }

  private Response map(Account who, String query) {
    Response r = api.get(path(owner.orgId()) + query, who.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r;
  }

  private String window() {
    return "?from=" + from + "&to=" + to;
  }

  private static Map<String, JsonNode> edges(Response r) {
    Map<String, JsonNode> edges = new HashMap<>();
    for (JsonNode e : r.json().path("edges")) {
      edges.put(e.path("from").asString() + " -> " + e.path("to").asString(), e);
    }
    return edges;
  }

  private static List<String> nodeIds(Response r) {
    List<String> ids = new ArrayList<>();
    r.json().path("nodes").forEach(n -> ids.add(n.path("id").asString()));
    return ids;
  }

  @Test
  void countsEachEdgeExactlyOverTheWindowsMinuteRows() {
    // frontend -> inventory:8080, two processor partitions in one minute, another minute later.
    metrics.minute(frontend, "production", "inventory:8080", t, 0, 1, 10, 20, 30);
    metrics.minute(frontend, "production", "inventory:8080", t, 1, 0, 40);
    metrics.minute(frontend, "production", "inventory:8080", t.plusSeconds(300), 0, 1, 60, 50);
    // Outside the window: the minute before from, and to itself (exclusive).
    metrics.minute(frontend, "production", "inventory:8080", from.minusSeconds(60), 0, 1, 1000);
    metrics.minute(frontend, "production", "inventory:8080", to, 0, 1, 1000);
    // A database nobody's app is: external.
    metrics.minute(frontend, "production", "postgresql", t, 0, 0, 1, 2, 3, 4, 5);
    call(frontend, inventory, "inventory:8080", t.plusSeconds(60), "success");

    Response r = map(owner, window());
    JsonNode m = r.json();
    assertThat(m.path("from").asString()).isEqualTo(from.toString());
    assertThat(m.path("to").asString()).isEqualTo(to.toString());
    assertThat(nodeIds(r)).containsExactly(frontend, inventory, "external:postgresql");
    JsonNode front = m.path("nodes").get(0);
    assertThat(front.path("app_id").asString()).isEqualTo(frontend);
    assertThat(front.path("service").asString()).isEqualTo("frontend");
    assertThat(front.path("type").asString()).isEqualTo("app");
    JsonNode db = m.path("nodes").get(2);
    assertThat(db.path("app_id").isNull()).isTrue();
    assertThat(db.path("service").asString()).isEqualTo("postgresql");
    assertThat(db.path("type").asString()).isEqualTo("external");

    JsonNode edges = m.path("edges");
    assertThat(edges).hasSize(2);
    JsonNode toInventory = edges.get(0);
    assertThat(toInventory.path("from").asString()).isEqualTo(frontend);
    assertThat(toInventory.path("to").asString()).isEqualTo(inventory);
    assertThat(toInventory.path("count").asLong()).isEqualTo(6);
    assertThat(toInventory.path("failures").asLong()).isEqualTo(2);
    assertThat(toInventory.path("error_rate").asDouble()).isCloseTo(2 / 6.0, within(1e-12));
    assertThat(toInventory.path("avg_ms").asDouble()).isCloseTo(210 / 6.0, within(1e-9));
    // The exact p95 of 10..60 is the 6th of 6 values (rank ceil(0.95 x 6)): 60, within 1 %.
    assertThat(toInventory.path("p95_ms").asDouble()).isCloseTo(60, within(0.6));
    assertThat(toInventory.path("destinations").get(0).asString()).isEqualTo("inventory:8080");
    assertThat(toInventory.path("sampled").asBoolean()).isFalse();
    JsonNode toDb = edges.get(1);
    assertThat(toDb.path("to").asString()).isEqualTo("external:postgresql");
    assertThat(toDb.path("count").asLong()).isEqualTo(5);
    assertThat(toDb.path("failures").asLong()).isZero();
    assertThat(toDb.path("error_rate").asDouble()).isZero();
    assertThat(toDb.path("p95_ms").asDouble()).isCloseTo(5, within(0.05));

    // Without from/to: the last hour, whole minutes (the rows of half an hour ago are in it).
    Response lastHour = map(owner, "");
    Instant end = Instant.parse(lastHour.text("/to"));
    assertThat(end.getEpochSecond() % 60).isZero();
    assertThat(Instant.parse(lastHour.text("/from"))).isEqualTo(end.minusSeconds(3600));
    assertThat(edges(lastHour).get(frontend + " -> external:postgresql").path("count").asLong())
        .isEqualTo(5);
  }

  @Test
  void mergesTheDestinationsOfOneAppAndLetsTheMostEvidenceWin() {
    metrics.minute(frontend, "production", "inventory:8080", t, 0, 0, 10, 20);
    metrics.minute(frontend, "production", "10.0.0.7:8080", t, 0, 1, 30, 1000);
    metrics.minute(frontend, "production", "lb:443", t, 0, 0, 5, 5, 5);
    call(frontend, inventory, "inventory:8080", t, "success");
    call(frontend, inventory, "10.0.0.7:8080", t, "success");
    // lb:443 led to payments three times and to inventory once: payments.
    for (int i = 0; i < 3; i++) {
      call(frontend, payments, "lb:443", t.minusSeconds(3600 * (i + 1)), "success");
    }
    call(frontend, inventory, "lb:443", t, "success");

    Response r = map(owner, window());
    Map<String, JsonNode> edges = edges(r);
    assertThat(edges).containsOnlyKeys(frontend + " -> " + inventory, frontend + " -> " + payments);
    JsonNode inv = edges.get(frontend + " -> " + inventory);
    assertThat(inv.path("count").asLong()).isEqualTo(4);
    assertThat(inv.path("failures").asLong()).isEqualTo(1);
    assertThat(inv.path("avg_ms").asDouble()).isCloseTo(265, within(1e-9));
    // Sketches merged: the p95 of {10, 20, 30, 1000} is 1000.
    assertThat(inv.path("p95_ms").asDouble()).isCloseTo(1000, within(10.0));
    assertThat(inv.path("destinations").toString())
        .isEqualTo("[\"10.0.0.7:8080\",\"inventory:8080\"]");
    assertThat(inv.path("sampled").asBoolean()).isFalse();
    JsonNode pay = edges.get(frontend + " -> " + payments);
    assertThat(pay.path("count").asLong()).isEqualTo(3);
    assertThat(pay.path("destinations").toString()).isEqualTo("[\"lb:443\"]");
    assertThat(nodeIds(r)).containsExactly(frontend, inventory, payments);
  }

  @Test
  void edgesSeenOnlyInTracesAreFlaggedSampled() {
    // inventory calls payments through spans that name no destination (an agent before M15).
    call(inventory, payments, null, t, "success");
    call(inventory, payments, null, t.plusSeconds(60), "failure");
    // Older than the window: resolution evidence only, not counted.
    call(inventory, payments, null, t.minusSeconds(7200), "failure");
    // A destination the traces know, but whose agent sent no counts: sampled too.
    call(frontend, payments, "payments:9000", t, "success");
    // An exact edge is never doubled by its traces.
    metrics.minute(frontend, "production", "inventory:8080", t, 0, 0, 7);
    call(frontend, inventory, "inventory:8080", t, "success");
    call(frontend, inventory, "inventory:8080", t, "success");

    Map<String, JsonNode> edges = edges(map(owner, window()));
    assertThat(edges).hasSize(3);
    JsonNode sampled = edges.get(inventory + " -> " + payments);
    assertThat(sampled.path("sampled").asBoolean()).isTrue();
    assertThat(sampled.path("count").asLong()).isEqualTo(2);
    assertThat(sampled.path("failures").asLong()).isEqualTo(1);
    assertThat(sampled.path("error_rate").asDouble()).isCloseTo(0.5, within(1e-12));
    assertThat(sampled.path("p95_ms").isNull()).isTrue();
    assertThat(sampled.path("avg_ms").isNull()).isTrue();
    assertThat(sampled.path("destinations")).isEmpty();
    JsonNode named = edges.get(frontend + " -> " + payments);
    assertThat(named.path("sampled").asBoolean()).isTrue();
    assertThat(named.path("count").asLong()).isEqualTo(1);
    assertThat(named.path("destinations").get(0).asString()).isEqualTo("payments:9000");
    JsonNode exact = edges.get(frontend + " -> " + inventory);
    assertThat(exact.path("sampled").asBoolean()).isFalse();
    assertThat(exact.path("count").asLong()).isEqualTo(1);
  }

  @Test
  void filtersByTheCallersEnvironment() {
    metrics.minute(frontend, "production", "postgresql", t, 0, 0, 1, 2);
    metrics.minute(frontend, "staging", "postgresql", t, 0, 1, 3, 4, 5);
    metrics.minute(frontend, "staging", "inventory:8080", t, 0, 0, 9);
    // Resolved by a production trace: the app is the same whatever the environment.
    call(frontend, inventory, "inventory:8080", t, "success");
    // A trace-only edge from staging.
    UUID child = call(inventory, payments, null, t, "success");
    jdbcTemplate.update(
        "UPDATE txn_samples SET environment = 'staging' WHERE trace_id ="
            + " (SELECT trace_id FROM txn_samples WHERE sample_id = ?)",
        child);

    Map<String, JsonNode> staging = edges(map(owner, window() + "&environment=staging"));
    assertThat(staging).hasSize(3);
    assertThat(staging.get(frontend + " -> external:postgresql").path("count").asLong())
        .isEqualTo(3);
    assertThat(staging.get(frontend + " -> " + inventory).path("count").asLong()).isEqualTo(1);
    assertThat(staging.get(inventory + " -> " + payments).path("sampled").asBoolean()).isTrue();
    Map<String, JsonNode> production = edges(map(owner, window() + "&environment=production"));
    // In production, frontend's calls to inventory are known from the kept trace only.
    assertThat(production)
        .containsOnlyKeys(frontend + " -> external:postgresql", frontend + " -> " + inventory);
    assertThat(production.get(frontend + " -> " + inventory).path("sampled").asBoolean()).isTrue();
    assertThat(production.get(frontend + " -> external:postgresql").path("count").asLong())
        .isEqualTo(2);
    Map<String, JsonNode> all = edges(map(owner, window() + "&environment="));
    assertThat(all.get(frontend + " -> external:postgresql").path("count").asLong()).isEqualTo(5);
    assertThat(map(owner, window() + "&environment=nowhere").json().path("edges")).isEmpty();
  }

  @Test
  void anotherOrgsAppNeverResolvesADestinationEvenInTheSameTrace() {
    Account stranger = api.newAccount("Map Stranger");
    String foreign = app(stranger, "foreign");
    metrics.minute(frontend, "production", "ghost:80", t, 0, 0, 3);
    // frontend's span is the parent of the stranger's transaction, in one trace id.
    String trace = TraceRows.traceId();
    String root = TraceRows.spanId();
    String span = TraceRows.spanId();
    traces.transaction(
        frontend,
        trace,
        root,
        null,
        "GET /",
        t,
        10,
        "success",
        "[" + TraceRows.span(span, root, "call", "external.http", "ghost:80", null, 1, 5) + "]");
    traces.transaction(foreign, trace, TraceRows.spanId(), span, "GET /ghost", t, 5, null, "[]");
    metrics.minute(foreign, "production", "frontend:80", t, 0, 0, 1);

    Response r = map(owner, window());
    assertThat(nodeIds(r)).containsExactly(frontend, "external:ghost:80");
    assertThat(r.body())
        .doesNotContain(foreign)
        .doesNotContain("GET /ghost")
        .doesNotContain("frontend:80");
    // The stranger sees its own app's calls, never the owner's apps.
    Response theirs = api.get(path(stranger.orgId()) + window(), stranger.apiKey());
    assertThat(theirs.status()).isEqualTo(200);
    assertThat(nodeIds(theirs)).containsExactly(foreign, "external:frontend:80");
    assertThat(theirs.body()).doesNotContain(frontend).doesNotContain("ghost");
    // And the owner's org is a 404 for them, like an org that does not exist.
    Response refused = api.get(path(owner.orgId()) + window(), stranger.apiKey());
    assertThat(refused.status()).isEqualTo(404);
    assertThat(refused.text("/error")).isEqualTo("not_found");
    assertThat(api.get(path(UUID.randomUUID()), stranger.apiKey()).body())
        .isEqualTo(refused.body());
    assertThat(api.get("/api/v1/orgs/nope/service-map", stranger.apiKey()).body())
        .isEqualTo(refused.body());
    assertThat(api.get(path(owner.orgId()), null).status()).isEqualTo(401);
  }

  @Test
  void aMemberReadsTheMap() {
    metrics.minute(frontend, "production", "postgresql", t, 0, 0, 1);
    Account member = api.newAccount("Map Member's own org");
    Teams.join(api, owner, member, "member");
    assertThat(map(member, window()).json().path("edges")).hasSize(1);
  }

  @Test
  void leavesOutAnAppPendingDeletion() {
    metrics.minute(frontend, "production", "inventory:8080", t, 0, 0, 1, 2);
    metrics.minute(inventory, "production", "postgresql", t, 0, 0, 1);
    call(frontend, inventory, "inventory:8080", t, "success");
    call(inventory, payments, null, t, "success");
    jdbcTemplate.update("UPDATE apps SET deleted_at = now() WHERE id = ?::uuid", inventory);

    Response r = map(owner, window());
    // Its callers' calls stay (they are theirs), to the destination as an outside service.
    assertThat(nodeIds(r)).containsExactly(frontend, "external:inventory:8080");
    assertThat(edges(r).get(frontend + " -> external:inventory:8080").path("count").asLong())
        .isEqualTo(2);
    assertThat(r.body()).doesNotContain(inventory).doesNotContain("\"inventory\"");
  }

  @Test
  void refusesBadParametersWithTheErrorBody() {
    Map<String, String> bad =
        Map.of(
            "?from=yesterday",
            "from",
            "?to=2026-13-01T00:00:00Z",
            "to",
            "?from=" + to + "&to=" + from,
            "from",
            "?from=" + to.minus(32, ChronoUnit.DAYS) + "&to=" + to,
            "from",
            "?to=" + to.toEpochMilli(),
            "to",
            "?environment=a%01b",
            "environment",
            "?environment=" + "e".repeat(101),
            "environment",
            "?environment=a%00",
            "environment");
    bad.forEach(
        (query, field) -> {
          Response r = api.get(path(owner.orgId()) + query, owner.apiKey());
          assertThat(r.status()).as(query + ": " + r.body()).isEqualTo(400);
          assertThat(r.text("/error")).as(query).isEqualTo("invalid_payload");
          assertThat(r.text("/message")).as(query).isNotBlank();
          assertThat(r.text("/details/0/field")).as(query).isEqualTo(field);
        });
    // Offsets are fine; a window of exactly 31 days too.
    OffsetDateTime end = to.atOffset(ZoneOffset.ofHours(2));
    assertThat(
            api.get(
                    path(owner.orgId())
                        + "?from="
                        + to.minus(31, ChronoUnit.DAYS)
                        + "&to="
                        + end.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replace("+", "%2B"),
                    owner.apiKey())
                .status())
        .isEqualTo(200);
  }

  /**
   * A day of a busy org's kept traces: 20,000 calls, each a parent and a child sample. The map
   * reads at most {@code MAX_CHILDREN} children and answers within a second.
   */
  @Test
  void answersWithinASecondOverTwentyThousandKeptCalls() {
    jdbcTemplate.update(
        """
        INSERT INTO txn_samples (sample_id, app_id, environment, txn_type, txn_name, started_at,
          duration_ms, transaction_id, trace_id, parent_id, spans)
        SELECT gen_random_uuid(), a.app, 'production', 'request', 'GET /x',
          ?::timestamptz - (i % 1440) * interval '1 minute', 5, substr(md5(a.tag || i), 1, 16),
          md5(?::text || i), CASE WHEN a.tag = 'c' THEN substr(md5('s' || ?::text || i), 1, 16) END,
          CASE WHEN a.tag = 'p' THEN jsonb_build_array(jsonb_build_object('id',
            substr(md5('s' || ?::text || i), 1, 16), 'destination', 'inventory:8080', 'name', 'call'))
          ELSE '[]'::jsonb END
        FROM generate_series(1, 20000) i
        CROSS JOIN (VALUES (?::uuid, 'p'), (?::uuid, 'c')) AS a(app, tag)
        """,
        java.sql.Timestamp.from(to.minusSeconds(1)),
        owner.orgId().toString(),
        owner.orgId().toString(),
        owner.orgId().toString(),
        frontend,
        inventory);
    jdbcTemplate.execute("ANALYZE txn_samples");
    metrics.minute(frontend, "production", "inventory:8080", t, 0, 0, 1);

    map(owner, window());
    long started = System.nanoTime();
    Response r = map(owner, window());
    long ms = (System.nanoTime() - started) / 1_000_000;
    assertThat(ms).as("ms").isLessThan(1_000);
    assertThat(edges(r).get(frontend + " -> " + inventory).path("count").asLong()).isEqualTo(1);
  }

  /**
   * Each statement starts from an index: with sequential scans priced out, a statement that could
   * not use one would still show a Seq Scan on its table.
   */
  @Test
  void everyStatementReadsThroughAnIndex() {
    List<UUID> apps = List.of(UUID.fromString(frontend), UUID.fromString(inventory));
    for (Map.Entry<String, String> q : ServiceMapQueries.all().entrySet()) {
      String plan =
          QueryPlans.withoutSeqScans(
              tx,
              jdbc,
              q.getValue(),
              Map.of(
                  "apps",
                  apps,
                  "since",
                  from.atOffset(ZoneOffset.UTC),
                  "from",
                  from.atOffset(ZoneOffset.UTC),
                  "to",
                  to.atOffset(ZoneOffset.UTC),
                  "limit",
                  10));
      assertThat(plan).as(q.getKey()).doesNotContain("Seq Scan");
      assertThat(plan).as(q.getKey()).containsPattern("Index (Only )?Scan|Bitmap Index Scan");
      if (q.getKey().equals("evidence")) {
        // Each child's parent is looked up by its trace id in an index (txn_samples_by_trace, or
        // the per-app one on (app_id, trace_id, transaction_id)), never by time alone.
        assertThat(plan).as(plan).containsPattern("Index Cond: \\(.*trace_id = c\\.trace_id");
      }
    }
  }
}
