package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.Span;
import io.upbeat.events.TraceIds;
import io.upbeat.events.TransactionEvent;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.support.web.ErrorBody;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The trace links of {@code /v1/events} (M15): read, validated, and sampled by trace. */
class TraceLinksParserTest {
  private static final Instant NOW = Instant.parse("2026-11-26T10:16:00Z");
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

  private static ParseOutcome parse(TraceSampler sampler, String json) {
    return new PayloadParser(IntakeLimits.DEFAULTS, sampler)
        .parse(
            new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
            UUID.randomUUID(),
            UUID.randomUUID(),
            NOW);
  }

  private static String body(String transactionFields, String spanFields, String errorFields) {
    String t = NOW.minusSeconds(30).toString();
    return """
        {"service": {"name": "shop"},
         "transactions": [{"name": "GET /", "type": "request", "timestamp": "%1$s",
                           "duration_ms": 5 %2$s,
                           "spans": [{"name": "GET inventory", "type": "external.http",
                                      "start_ms": 1, "duration_ms": 2 %3$s}]}],
         "errors": [{"timestamp": "%1$s", "exception": {"type": "Boom"} %4$s}]}
        """
        .formatted(t, transactionFields, spanFields, errorFields);
  }

  @Test
  void readsEveryLink() {
    String json =
        body(
            """
            , "id": "b7ad6b7169203331", "trace_id": "%s", "parent_id": "00f067aa0ba902b7",
            "sampled": true"""
                .formatted(TRACE),
            """
            , "id": "53995c3f42cd8ad8", "parent_id": "b7ad6b7169203331",
            "destination": "inventory:8080", "outcome": "failure\"""",
            """
            , "trace_id": "%s", "parent_id": "53995c3f42cd8ad8",
            "transaction_id": "b7ad6b7169203331\""""
                .formatted(TRACE));
    EventBatch batch = ((ParseOutcome.Valid) parse(new TraceSampler(1), json)).batch();

    TransactionEvent sample = batch.samples().getFirst();
    assertThat(sample.parentId()).isEqualTo("00f067aa0ba902b7");
    assertThat(sample.sampled()).isTrue();
    assertThat(sample.spans())
        .containsExactly(
            new Span(
                "GET inventory",
                "external.http",
                1.0,
                2.0,
                "53995c3f42cd8ad8",
                "b7ad6b7169203331",
                "inventory:8080",
                "failure"));
    // Counted once, without the details the sample carries.
    TransactionEvent counted = batch.transactions().getFirst();
    assertThat(counted.spans()).isEmpty();
    assertThat(counted.parentId()).isEqualTo("00f067aa0ba902b7");
    assertThat(batch.errors().getFirst().traceId()).isEqualTo(TRACE);
    assertThat(batch.errors().getFirst().parentId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(batch.errors().getFirst().transactionId()).isEqualTo("b7ad6b7169203331");
  }

  /**
   * M15 tail decision, rule 1: a failed or slow transaction of a trace the hash does not keep is
   * still sent in full (a sample), besides being counted without its details; a fast, successful
   * one of such a trace is only counted.
   */
  @Test
  void failedOrSlowTransactionsOfUnkeptTracesAreSentInFull() {
    TraceSampler none = new TraceSampler(0, 1000);
    String trace = ", \"id\": \"b7ad6b7169203331\", \"trace_id\": \"%s\"".formatted(TRACE);
    EventBatch failed =
        ((ParseOutcome.Valid) parse(none, body(trace + ", \"outcome\": \"failure\"", "", "")))
            .batch();
    assertThat(failed.samples()).hasSize(1);
    assertThat(failed.samples().getFirst().spans()).hasSize(1);
    assertThat(failed.transactions().getFirst().spans()).isEmpty();

    String slowJson =
        body(trace, "", "").replace("\"duration_ms\": 5 ,", "\"duration_ms\": 1500 ,");
    assertThat(slowJson).contains("1500");
    EventBatch slow = ((ParseOutcome.Valid) parse(none, slowJson)).batch();
    assertThat(slow.samples()).hasSize(1);

    EventBatch plain = ((ParseOutcome.Valid) parse(none, body(trace, "", ""))).batch();
    assertThat(plain.samples()).isEmpty();
    assertThat(plain.transactions()).hasSize(1);
  }

  @Test
  void olderAgentsIdsStillPass() {
    String json = body(", \"id\": \"a1b2c3\", \"trace_id\": \"T-1_x\"", "", "");
    assertThat(parse(TraceSampler.DEFAULT, json)).isInstanceOf(ParseOutcome.Valid.class);
  }

  @Test
  void refusesIdsThatAreNotIdsNamingTheField() {
    String huge = "a".repeat(100_000);
    for (String bad :
        List.of(
            "\"\"",
            "\"" + "a".repeat(65) + "\"",
            "\"" + huge + "\"",
            "\"a b\"",
            "\"a\\u0000\"",
            "\"\\ud800\"",
            "\"\\uFFFD\"",
            "\"a.b\"",
            "\"é\"",
            "42",
            "{\"x\": 1}")) {
      for (String field :
          List.of(
              "transactions[0].id",
              "transactions[0].trace_id",
              "transactions[0].parent_id",
              "transactions[0].spans[0].id",
              "transactions[0].spans[0].parent_id",
              "errors[0].trace_id",
              "errors[0].parent_id",
              "errors[0].transaction_id")) {
        String name = field.substring(field.lastIndexOf('.') + 1);
        String fields = ", \"" + name + "\": " + bad;
        String json =
            field.startsWith("errors")
                ? body("", "", fields)
                : field.contains("spans") ? body("", fields, "") : body(fields, "", "");
        ParseOutcome outcome = parse(TraceSampler.DEFAULT, json);
        assertThat(outcome)
            .as("%s = %.40s", field, bad)
            .isInstanceOf(ParseOutcome.InvalidPayload.class);
        List<ErrorBody.Detail> details = ((ParseOutcome.InvalidPayload) outcome).details();
        String problem = bad.startsWith("\"") ? TraceIds.RULE : "must be a string";
        assertThat(details).containsExactly(new ErrorBody.Detail(field, problem));
      }
    }
  }

  @Test
  void refusesBadOutcomesDestinationsAndSampledFlags() {
    assertThat(details(body("", ", \"outcome\": \"maybe\"", "")))
        .containsExactly(
            new ErrorBody.Detail(
                "transactions[0].spans[0].outcome", "must be one of success, failure, unknown"));
    assertThat(details(body("", ", \"outcome\": 1", ""))).hasSize(1);
    assertThat(details(body("", ", \"destination\": \"\"", "")))
        .containsExactly(
            new ErrorBody.Detail("transactions[0].spans[0].destination", "must not be empty"));
    assertThat(details(body("", ", \"destination\": \"" + "d".repeat(257) + "\"", "")))
        .containsExactly(
            new ErrorBody.Detail(
                "transactions[0].spans[0].destination", "must be at most 256 characters"));
    assertThat(details(body(", \"sampled\": \"yes\"", "", "")))
        .containsExactly(new ErrorBody.Detail("transactions[0].sampled", "must be true or false"));
    // Storable text is fine in a destination: NUL becomes U+FFFD behind StorableEscapes.
    assertThat(parse(TraceSampler.DEFAULT, body("", ", \"destination\": \"db:5432\"", "")))
        .isInstanceOf(ParseOutcome.Valid.class);
  }

  @Test
  void fullTransactionsAreSampledByTheirTraceAndAggregatedOnesAsTheAgentSaid() {
    String t = NOW.minusSeconds(30).toString();
    String json =
        """
        {"service": {"name": "shop"},
         "transactions": [
           {"trace_id": "%2$s", "name": "a", "type": "request", "timestamp": "%1$s",
            "duration_ms": 1, "spans": [{"name": "q"}], "context": {"tags": {"k": "v"}}},
           {"name": "untraced", "type": "request", "timestamp": "%1$s", "duration_ms": 1},
           {"trace_id": "%2$s", "name": "agg", "type": "request", "timestamp": "%1$s",
            "duration_ms": 1, "aggregated": true, "sampled": true}]}
        """
            .formatted(t, TRACE);
    ParseOutcome.Valid valid = (ParseOutcome.Valid) parse(new TraceSampler(1), json);
    assertThat(valid.transactions()).isEqualTo(3); // the request's, not the batch's four
    EventBatch all = valid.batch();
    assertThat(all.transactions())
        .extracting(TransactionEvent::name)
        .containsExactly("a", "untraced");
    assertThat(all.transactions().getFirst().contextJson()).isNull();
    assertThat(all.samples()).extracting(TransactionEvent::name).containsExactly("a", "agg");
    assertThat(all.samples().getFirst().contextJson()).isEqualTo("{\"tags\":{\"k\":\"v\"}}");

    EventBatch none = ((ParseOutcome.Valid) parse(new TraceSampler(0), json)).batch();
    assertThat(none.transactions())
        .extracting(TransactionEvent::name)
        .containsExactly("a", "untraced");
    assertThat(none.transactions().getFirst().spans()).hasSize(1); // as before traces
    assertThat(none.samples()).extracting(TransactionEvent::name).containsExactly("agg");
  }

  private static List<ErrorBody.Detail> details(String json) {
    ParseOutcome outcome = parse(TraceSampler.DEFAULT, json);
    assertThat(outcome).as(json).isInstanceOf(ParseOutcome.InvalidPayload.class);
    return ((ParseOutcome.InvalidPayload) outcome).details();
  }
}
