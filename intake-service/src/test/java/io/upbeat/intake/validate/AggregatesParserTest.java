package io.upbeat.intake.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.EventBatch;
import io.upbeat.events.TransactionMetric;
import io.upbeat.metrics.LatencySketch;
import io.upbeat.support.web.ErrorBody;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Agents that aggregate send transaction_metrics, plus sampled transactions marked aggregated. */
class AggregatesParserTest {
  static final Instant NOW = Instant.parse("2026-11-26T10:16:00Z");
  private final PayloadParser parser = new PayloadParser(IntakeLimits.DEFAULTS);

  private ParseOutcome parse(String json) {
    return parser.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
        UUID.randomUUID(),
        UUID.randomUUID(),
        NOW);
  }

  static String sketchOf(double... durations) {
    LatencySketch sketch = LatencySketch.empty();
    for (double d : durations) {
      sketch.add(d);
    }
    return Base64.getEncoder().encodeToString(sketch.toBytes());
  }

  static String metric(
      String count, String failures, String sum, String min, String max, String sketch) {
    return """
        {"name": "GET /users/{id}", "type": "request", "timestamp": "2026-11-26T10:15:42.5Z",
         "count": %s, "failures": %s, "sum_ms": %s, "min_ms": %s, "max_ms": %s, "sketch": "%s"}"""
        .formatted(count, failures, sum, min, max, sketch);
  }

  static String body(String metrics, String transactions) {
    return """
        {"service": {"name": "shop"}, "transaction_metrics": [%s], "transactions": [%s]}"""
        .formatted(metrics, transactions);
  }

  @Test
  void readsAggregatesAndKeepsSampledTransactionsApart() {
    String sampled =
        """
        {"name": "GET /users/{id}", "type": "request", "timestamp": "%s", "duration_ms": 3,
         "aggregated": true, "spans": [{"name": "SELECT FROM users", "type": "db", "start_ms": 0.5,
         "duration_ms": 1}]},
        {"name": "job", "type": "scheduled", "timestamp": "%s", "duration_ms": 9}"""
            .formatted(NOW.minusSeconds(20), NOW.minusSeconds(20));
    ParseOutcome outcome =
        parse(body(metric("3", "1", "6.0", "1", "3", sketchOf(1, 2, 3)), sampled));

    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
    EventBatch batch = ((ParseOutcome.Valid) outcome).batch();
    assertThat(batch.metrics()).hasSize(1);
    TransactionMetric m = batch.metrics().get(0);
    assertThat(m.minute()).isEqualTo(Instant.parse("2026-11-26T10:15:00Z"));
    assertThat(m.count()).isEqualTo(3);
    assertThat(m.failures()).isEqualTo(1);
    assertThat(m.sumMs()).isEqualTo(6.0);
    assertThat(LatencySketch.checkedCount(m.sketch())).isEqualTo(3);
    assertThat(batch.samples()).singleElement().satisfies(t -> assertThat(t.spans()).hasSize(1));
    assertThat(batch.transactions())
        .singleElement()
        .satisfies(t -> assertThat(t.name()).isEqualTo("job"));
    assertThat(batch.transactionCount()).isEqualTo(4);
  }

  @Test
  void refusesInconsistentAggregatesNamingTheField() {
    String ok = sketchOf(1, 2, 3);
    assertThat(problems(metric("3", "4", "6", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].failures");
    assertThat(problems(metric("3", "0", "6", "4", "3", ok)))
        .contains("transaction_metrics[0].min_ms");
    assertThat(problems(metric("3", "0", "60", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].sum_ms");
    assertThat(problems(metric("4", "0", "8", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].sketch");
    assertThat(problems(metric("3", "0", "6", "1", "3", "!!not base64!!")))
        .containsExactly("transaction_metrics[0].sketch");
    assertThat(problems(metric("3", "0", "6", "1", "3", "AAECAwQFBgc=")))
        .containsExactly("transaction_metrics[0].sketch");
    assertThat(problems(metric("0", "0", "0", "0", "0", sketchOf())))
        .containsExactly("transaction_metrics[0].count");
    assertThat(problems(metric("\"3\"", "0", "6", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].count");
    assertThat(problems(metric("3.5", "0", "6", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].count");
    assertThat(problems(metric("99999999999999999999999", "0", "6", "1", "3", ok)))
        .containsExactly("transaction_metrics[0].count");
    assertThat(problems("{\"name\": \"x\"}"))
        .contains(
            "transaction_metrics[0].type",
            "transaction_metrics[0].timestamp",
            "transaction_metrics[0].count",
            "transaction_metrics[0].sketch");
  }

  @Test
  void aSampledFlagMustBeABoolean() {
    String t =
        """
        {"name": "a", "type": "request", "timestamp": "%s", "duration_ms": 1, "aggregated": "yes"}"""
            .formatted(NOW);
    ParseOutcome outcome = parse(body("", t));
    assertThat(((ParseOutcome.InvalidPayload) outcome).details())
        .extracting(ErrorBody.Detail::field)
        .containsExactly("transactions[0].aggregated");
  }

  private java.util.List<String> problems(String metric) {
    ParseOutcome outcome = parse(body(metric, ""));
    assertThat(outcome).as(metric).isInstanceOf(ParseOutcome.InvalidPayload.class);
    return ((ParseOutcome.InvalidPayload) outcome)
        .details().stream().map(ErrorBody.Detail::field).toList();
  }
}
