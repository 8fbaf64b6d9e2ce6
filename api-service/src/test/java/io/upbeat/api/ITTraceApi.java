package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import io.upbeat.api.traces.TraceQueries;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
 * The trace API: one trace across two apps of an org, never with a third org's parts of the same
 * trace id; for the org's members only; bounded; honest about missing parents.
 */
class ITTraceApi extends ApiIntegrationTest {
  /** What a page or a client must get back exactly as the agent sent it. */
  private static final String HOSTILE =
      "<script>alert('x')</script> \"q\" \\ é 😀 \u202Eevil " + "y".repeat(10_000);

  @Autowired JdbcTemplate jdbcTemplate;
  @Autowired JdbcClient jdbc;
  @Autowired TransactionTemplate tx;

  private TraceRows rows;
  private Account owner;
  private String frontend;
  private String inventory;
  private Account stranger;
  private String strangerApp;
  private final Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(30);
  private String trace;
  private String root;
  private String call;
  private String stock;
  private String query;
  private UUID group;

  @BeforeEach
  void aTraceAcrossTwoAppsAndAStrangerSharingItsId() {
    rows = new TraceRows(jdbcTemplate);
    owner = api.newAccount("Trace Org " + UUID.randomUUID());
    frontend = app(owner, "frontend");
    inventory = app(owner, "inventory");
    stranger = api.newAccount("Trace Stranger");
    strangerApp = app(stranger, "foreign-app");

    TraceRows.Checkout checkout = rows.checkout(frontend, inventory, start, HOSTILE, HOSTILE);
    trace = checkout.trace();
    root = checkout.root();
    call = checkout.call();
    stock = checkout.stock();
    query = checkout.query();
    group = checkout.group();
    // Another org's app shares the trace id: never shown to this org.
    rows.transaction(
        strangerApp, trace, TraceRows.spanId(), call, "POST /foreign", start, 5, "success", "[]");
  }

  private String app(Account account, String name) {
    return api.post(
            "/api/v1/orgs/" + account.orgId() + "/apps",
            account.apiKey(),
            "{\"name\": \"%s\"}".formatted(name))
        .text("/id");
  }

  private String path(UUID org, String traceId) {
    return "/api/v1/orgs/" + org + "/traces/" + traceId;
  }

  @Test
  void joinsTheTraceAcrossTheOrgsAppsInTimeOrder() {
    Response r = api.get(path(owner.orgId(), trace), owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode t = r.json();
    assertThat(t.path("trace_id").asString()).isEqualTo(trace);
    assertThat(t.path("started_at").asString()).isEqualTo(start.toString());
    assertThat(t.path("duration_ms").asDouble()).isCloseTo(100, within(1e-6));
    assertThat(t.path("truncated").asBoolean()).isFalse();
    assertThat(t.path("missing_parents")).isEmpty();

    JsonNode txns = t.path("transactions");
    assertThat(txns).hasSize(2);
    assertThat(txns.get(0).path("id").asString()).isEqualTo(root);
    assertThat(txns.get(0).path("parent_id").isNull()).isTrue();
    assertThat(txns.get(0).path("service").asString()).isEqualTo("frontend");
    assertThat(txns.get(0).path("app_id").asString()).isEqualTo(frontend);
    assertThat(txns.get(0).path("environment").asString()).isEqualTo("production");
    assertThat(txns.get(0).path("type").asString()).isEqualTo("request");
    assertThat(txns.get(0).path("result").asString()).isEqualTo("HTTP 2xx");
    assertThat(txns.get(0).path("sample_id").asString()).hasSize(36);
    assertThat(txns.get(1).path("id").asString()).isEqualTo(stock);
    assertThat(txns.get(1).path("parent_id").asString()).isEqualTo(call);
    assertThat(txns.get(1).path("service").asString()).isEqualTo("inventory");
    assertThat(txns.get(1).path("name").asString()).isEqualTo("GET /stock");
    assertThat(txns.get(1).path("outcome").asString()).isEqualTo("failure");
    assertThat(txns.get(1).path("timestamp").asString()).isEqualTo(start.plusMillis(12).toString());
    assertThat(txns.get(1).path("start_ms").asDouble()).isCloseTo(12, within(1e-6));
    assertThat(txns.get(1).path("duration_ms").asDouble()).isCloseTo(40, within(1e-6));
    assertThat(txns.get(0).path("kept").asString()).isEqualTo("head");
    assertThat(txns.get(1).path("kept").asString()).isEqualTo("head");

    // Spans flattened, earliest first, with absolute timestamps and offsets from the trace start.
    JsonNode spans = t.path("spans");
    assertThat(spans).hasSize(3);
    assertThat(spans.get(0).path("id").asString()).isEqualTo(call);
    assertThat(spans.get(0).path("parent_id").asString()).isEqualTo(root);
    assertThat(spans.get(0).path("transaction_id").asString()).isEqualTo(root);
    assertThat(spans.get(0).path("destination").asString()).isEqualTo("inventory:8080");
    assertThat(spans.get(0).path("outcome").asString()).isEqualTo("success");
    assertThat(spans.get(0).path("app_id").asString()).isEqualTo(frontend);
    assertThat(spans.get(0).path("timestamp").asString())
        .isEqualTo(start.plusMillis(10).toString());
    assertThat(spans.get(0).path("start_ms").asDouble()).isCloseTo(10, within(1e-6));
    assertThat(spans.get(0).path("duration_ms").asDouble()).isCloseTo(50, within(1e-6));
    assertThat(spans.get(1).path("id").asString()).isEqualTo(query);
    assertThat(spans.get(1).path("start_ms").asDouble()).isCloseTo(17, within(1e-6));
    assertThat(spans.get(1).path("name").asString()).isEqualTo(HOSTILE);
    assertThat(spans.get(1).path("type").asString()).isEqualTo("db.postgresql.query");
    assertThat(spans.get(1).path("destination").asString()).isEqualTo("postgresql");
    assertThat(spans.get(1).path("transaction_id").asString()).isEqualTo(stock);
    assertThat(spans.get(2).path("name").asString()).isEqualTo("render");
    assertThat(spans.get(2).path("id").isNull()).isTrue();
    assertThat(spans.get(2).path("parent_id").isNull()).isTrue();
    assertThat(spans.get(2).path("transaction_id").asString()).isEqualTo(stock);
    assertThat(spans.get(2).path("start_ms").asDouble()).isCloseTo(42, within(1e-6));

    JsonNode errors = t.path("errors");
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path("group_id").asString()).isEqualTo(group.toString());
    assertThat(errors.get(0).path("app_id").asString()).isEqualTo(inventory);
    assertThat(errors.get(0).path("service").asString()).isEqualTo("inventory");
    assertThat(errors.get(0).path("transaction_id").asString()).isEqualTo(stock);
    assertThat(errors.get(0).path("parent_id").asString()).isEqualTo(query);
    assertThat(errors.get(0).path("event_id").asString()).hasSize(36);
    assertThat(errors.get(0).path("id").isNumber()).isTrue();
    assertThat(errors.get(0).path("start_ms").asDouble()).isCloseTo(30, within(1e-6));
    assertThat(errors.get(0).at("/exception/type").asString()).isEqualTo("java.sql.SQLException");
    assertThat(errors.get(0).at("/exception/message").asString()).isEqualTo(HOSTILE);
    assertThat(errors.get(0).path("culprit").asString()).isEqualTo("com.shop.Stock.reserve");

    assertThat(r.body()).doesNotContain("POST /foreign").doesNotContain(strangerApp);
  }

  /** M15: a part kept by the tail decision (without spans) says so. */
  @Test
  void saysWhichPartsTheTailDecisionKept() {
    jdbcTemplate.update(
        "UPDATE txn_samples SET kept = 'tail' WHERE trace_id = ? AND transaction_id = ?",
        trace,
        stock);
    JsonNode txns = api.get(path(owner.orgId(), trace), owner.apiKey()).json().path("transactions");
    assertThat(txns.get(0).path("kept").asString()).isEqualTo("head");
    assertThat(txns.get(1).path("id").asString()).isEqualTo(stock);
    assertThat(txns.get(1).path("kept").asString()).isEqualTo("tail");
  }

  @Test
  void anotherOrgSeesOnlyItsOwnPartsAndNeverTheOwnersTrace() {
    Response foreign = api.get(path(owner.orgId(), trace), stranger.apiKey());
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.text("/error")).isEqualTo("not_found");
    assertThat(foreign.body()).doesNotContain("frontend").doesNotContain("GET /checkout");
    // The same answer as for an org that does not exist, or a malformed org id.
    assertThat(api.get(path(UUID.randomUUID(), trace), stranger.apiKey()).body())
        .isEqualTo(foreign.body());
    assertThat(api.get("/api/v1/orgs/nope/traces/" + trace, stranger.apiKey()).body())
        .isEqualTo(foreign.body());
    // The stranger's org id with the owner's trace id: its own part only, a caller it cannot see.
    Response own = api.get(path(stranger.orgId(), trace), stranger.apiKey());
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().path("transactions")).hasSize(1);
    assertThat(own.text("/transactions/0/name")).isEqualTo("POST /foreign");
    assertThat(own.json().path("spans")).isEmpty();
    assertThat(own.json().path("errors")).isEmpty();
    assertThat(own.json().path("missing_parents").get(0).asString()).isEqualTo(call);
    assertThat(own.body()).doesNotContain("GET /checkout").doesNotContain("inventory");
    assertThat(api.get(path(owner.orgId(), trace), null).status()).isEqualTo(401);
  }

  @Test
  void aMemberOfTheOrgReadsIt() {
    Account member = api.newAccount("Member's own org");
    Teams.join(api, owner, member, "member");
    Response r = api.get(path(owner.orgId(), trace), member.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("transactions")).hasSize(2);
  }

  @Test
  void refusesIdsThatCannotExistAndAnswersNotFoundForUnknownOnes() {
    for (String bad :
        List.of("a%20b", "x.y", "%C3%A9", "a".repeat(65), "abc%2Fdef", "%F0%9F%98%80", "a%7Eb")) {
      Response r = api.get(path(owner.orgId(), bad), owner.apiKey());
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.text("/error")).as(bad).isEqualTo("invalid_payload");
      assertThat(r.text("/details/0/field")).as(bad).isEqualTo("trace_id");
    }
    // Older agents' short ids and a full-length one are fine: not stored, so 404.
    for (String unknown : List.of("a1b2c3", "A-Z_09", "f".repeat(64), TraceRows.traceId())) {
      Response r = api.get(path(owner.orgId(), unknown), owner.apiKey());
      assertThat(r.status()).as(unknown).isEqualTo(404);
      assertThat(r.text("/error")).isEqualTo("not_found");
      assertThat(r.text("/message")).contains("trace");
    }
  }

  @Test
  void namesTheParentsThatAreNotThere() {
    String partial = TraceRows.traceId();
    String caller = TraceRows.spanId();
    String lost = TraceRows.spanId();
    String txn = TraceRows.spanId();
    rows.transaction(
        inventory,
        partial,
        txn,
        caller,
        "GET /stock",
        start,
        10,
        "success",
        "[" + TraceRows.span(TraceRows.spanId(), lost, "q", "db", null, null, 1, 1) + "]");
    // An error in a transaction that was not kept in full.
    String unsampled = TraceRows.spanId();
    rows.error(group, partial, unsampled, null, start.plusMillis(5), "{\"type\":\"E\"}");
    Response r = api.get(path(owner.orgId(), partial), owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    List<String> missing = new ArrayList<>();
    r.json().path("missing_parents").forEach(n -> missing.add(n.asString()));
    assertThat(missing).containsExactly(caller, lost, unsampled);

    // A trace of nothing but errors (none of its transactions was sampled) is still a trace.
    String errorsOnly = TraceRows.traceId();
    rows.error(group, errorsOnly, unsampled, null, start, "{\"type\":\"E\",\"message\":\"m\"}");
    Response onlyErrors = api.get(path(owner.orgId(), errorsOnly), owner.apiKey());
    assertThat(onlyErrors.status()).isEqualTo(200);
    assertThat(onlyErrors.json().path("transactions")).isEmpty();
    assertThat(onlyErrors.json().path("errors")).hasSize(1);
    assertThat(onlyErrors.text("/errors/0/exception/message")).isEqualTo("m");
    assertThat(onlyErrors.text("/missing_parents/0")).isEqualTo(unsampled);
  }

  @Test
  void leavesOutAnAppPendingDeletion() {
    jdbcTemplate.update("UPDATE apps SET deleted_at = now() WHERE id = ?::uuid", inventory);
    Response r = api.get(path(owner.orgId(), trace), owner.apiKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("transactions")).hasSize(1);
    assertThat(r.json().path("spans")).hasSize(1);
    assertThat(r.json().path("errors")).isEmpty();
    assertThat(r.body()).doesNotContain("inventory\"").doesNotContain(inventory);

    String deletedOnly = TraceRows.traceId();
    rows.transaction(
        inventory, deletedOnly, TraceRows.spanId(), null, "GET /x", start, 1, null, "[]");
    assertThat(api.get(path(owner.orgId(), deletedOnly), owner.apiKey()).status()).isEqualTo(404);
  }

  @Test
  void boundsEachListAndSaysSo() {
    String big = TraceRows.traceId();
    rows.transactions(frontend, big, start, 1_001, "[]");
    Response manyTransactions = api.get(path(owner.orgId(), big), owner.apiKey());
    assertThat(manyTransactions.status()).isEqualTo(200);
    assertThat(manyTransactions.json().path("transactions")).hasSize(1_000);
    assertThat(manyTransactions.json().path("truncated").asBoolean()).isTrue();
    // The earliest are kept.
    assertThat(manyTransactions.text("/transactions/0/timestamp")).isEqualTo(start.toString());

    String wide = TraceRows.traceId();
    StringBuilder spans = new StringBuilder("[");
    for (int i = 0; i < 1_000; i++) {
      spans
          .append(i == 0 ? "" : ",")
          .append(TraceRows.span(null, null, "s" + i, "t", null, null, i, 1));
    }
    rows.transactions(inventory, wide, start, 6, spans.append(']').toString());
    Response manySpans = api.get(path(owner.orgId(), wide), owner.apiKey());
    assertThat(manySpans.json().path("transactions")).hasSize(6);
    assertThat(manySpans.json().path("spans")).hasSize(5_000);
    assertThat(manySpans.json().path("truncated").asBoolean()).isTrue();
    double last = -1;
    for (JsonNode s : manySpans.json().path("spans")) {
      assertThat(s.path("start_ms").asDouble()).isGreaterThanOrEqualTo(last);
      last = s.path("start_ms").asDouble();
    }

    String noisy = TraceRows.traceId();
    rows.errors(group, noisy, start, 1_001);
    Response manyErrors = api.get(path(owner.orgId(), noisy), owner.apiKey());
    assertThat(manyErrors.json().path("errors")).hasSize(1_000);
    assertThat(manyErrors.json().path("truncated").asBoolean()).isTrue();

    // Exactly at the bounds: whole.
    String full = TraceRows.traceId();
    rows.transactions(frontend, full, start, 5, spans.toString());
    assertThat(
            api.get(path(owner.orgId(), full), owner.apiKey()).json().path("truncated").asBoolean())
        .isFalse();
  }

  @Test
  void oddStoredSpansNeverBreakTheAnswer() {
    String odd = TraceRows.traceId();
    rows.transaction(
        frontend,
        odd,
        TraceRows.spanId(),
        null,
        "GET /odd",
        start,
        5,
        null,
        "[1, \"x\", null, {\"name\": {\"a\": 1}, \"start_ms\": \"12\", \"duration_ms\": 1e300},"
            + " {\"start_ms\": -5, \"duration_ms\": -1}]");
    Response r = api.get(path(owner.orgId(), odd), owner.apiKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("spans")).hasSize(5);
    for (JsonNode s : r.json().path("spans")) {
      assertThat(s.path("start_ms").asDouble()).isBetween(0.0, 86_400_000.0);
      assertThat(s.path("duration_ms").asDouble()).isBetween(0.0, 86_400_000.0);
    }
  }

  /**
   * Each statement starts from a trace index: with sequential scans priced out, a statement that
   * could not use one would still show a Seq Scan on its table.
   */
  @Test
  void everyStatementStartsFromATraceIndex() {
    List<UUID> apps = List.of(UUID.fromString(frontend), UUID.fromString(inventory));
    List<UUID> samples = List.of(UUID.randomUUID());
    for (Map.Entry<String, String> q : TraceQueries.byTrace().entrySet()) {
      String plan =
          QueryPlans.withoutSeqScans(
              tx,
              jdbc,
              q.getValue(),
              Map.of("trace", trace, "apps", apps, "samples", samples, "limit", 10));
      assertThat(plan).as(q.getKey()).doesNotContain("Seq Scan on txn_samples");
      assertThat(plan).as(q.getKey()).doesNotContain("Seq Scan on error_occurrences");
      if (q.getKey().equals("errors")) {
        assertThat(plan).contains("error_occurrences_by_trace");
      } else {
        assertThat(plan).as(q.getKey()).containsPattern("Index (Only )?Scan|Bitmap Index Scan");
      }
    }
  }
}
