package io.upbeat.intake.validate;

import static io.upbeat.intake.validate.AggregatesParserTest.NOW;
import static io.upbeat.intake.validate.AggregatesParserTest.sketchOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.events.DestinationMetric;
import io.upbeat.events.EventBatch;
import io.upbeat.intake.sample.TraceSampler;
import io.upbeat.metrics.LatencySketch;
import io.upbeat.support.web.ErrorBody;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The service map's edges at intake: an agent's own {@code destination_metrics}, validated as its
 * transaction metrics are, and the destination metrics intake derives from the exit spans of the
 * transactions it counts.
 */
class DestinationMetricsParserTest {
  // Every trace kept: derivation must not depend on which transactions are also samples.
  private final PayloadParser parser =
      new PayloadParser(IntakeLimits.DEFAULTS, new TraceSampler(1));

  private ParseOutcome parse(String json) {
    return parser.parse(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
        UUID.randomUUID(),
        UUID.randomUUID(),
        NOW);
  }

  static String metric(
      String destination, String count, String failures, String sum, String sketch) {
    return """
        {"destination": %s, "timestamp": "2026-11-26T10:15:42.5Z", "count": %s, "failures": %s,
         "sum_ms": %s, "min_ms": 1, "max_ms": 3, "sketch": "%s"}"""
        .formatted(destination, count, failures, sum, sketch);
  }

  private static String body(String metrics, String transactions) {
    return """
        {"service": {"name": "shop"}, "destination_metrics": [%s], "transactions": [%s]}"""
        .formatted(metrics, transactions);
  }

  private EventBatch valid(String json) {
    ParseOutcome outcome = parse(json);
    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
    return ((ParseOutcome.Valid) outcome).batch();
  }

  @Test
  void readsAnAgentsDestinationMetricsTruncatedToTheMinute() {
    ParseOutcome outcome =
        parse(body(metric("\"inventory:8080\"", "3", "1", "6.0", sketchOf(1, 2, 3)), ""));

    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
    assertThat(((ParseOutcome.Valid) outcome).destinationMetrics()).isEqualTo(1);
    EventBatch batch = ((ParseOutcome.Valid) outcome).batch();
    DestinationMetric m = batch.destinationMetrics().getFirst();
    assertThat(m.destination()).isEqualTo("inventory:8080");
    assertThat(m.minute()).isEqualTo(Instant.parse("2026-11-26T10:15:00Z"));
    assertThat(m.count()).isEqualTo(3);
    assertThat(m.failures()).isEqualTo(1);
    assertThat(m.sumMs()).isEqualTo(6.0);
    assertThat(LatencySketch.checkedCount(m.sketch())).isEqualTo(3);
    assertThat(batch.size()).isEqualTo(1);
  }

  @Test
  void refusesBadDestinationMetricsNamingTheField() {
    String ok = sketchOf(1, 2, 3);
    String to = "\"inventory:8080\"";
    assertThat(problems(metric(to, "3", "4", "6", ok)))
        .containsExactly("destination_metrics[0].failures");
    assertThat(problems(metric(to, "3", "0", "60", ok)))
        .containsExactly("destination_metrics[0].sum_ms");
    assertThat(problems(metric(to, "4", "0", "8", ok)))
        .containsExactly("destination_metrics[0].sketch");
    assertThat(problems(metric(to, "3", "0", "6", "!!not base64!!")))
        .containsExactly("destination_metrics[0].sketch");
    assertThat(problems(metric(to, "0", "0", "0", sketchOf())))
        .containsExactly("destination_metrics[0].count");
    assertThat(problems(metric(to, "1000000001", "0", "6", ok)))
        .containsExactly("destination_metrics[0].count");
    assertThat(problems(metric("\"\"", "3", "0", "6", ok)))
        .containsExactly("destination_metrics[0].destination");
    assertThat(problems(metric("\"" + "d".repeat(257) + "\"", "3", "0", "6", ok)))
        .containsExactly("destination_metrics[0].destination");
    assertThat(problems(metric("42", "3", "0", "6", ok)))
        .containsExactly("destination_metrics[0].destination");
    assertThat(problems(metric("null", "3", "0", "6", ok)))
        .containsExactly("destination_metrics[0].destination");
    assertThat(
            problems(
                metric(to, "3", "0", "6", ok)
                    .replace("2026-11-26T10:15:42.5Z", "2026-11-01T00:00:00Z")))
        .containsExactly("destination_metrics[0].timestamp");
    assertThat(problems("{\"destination\": \"db\"}"))
        .containsExactly(
            "destination_metrics[0].timestamp",
            "destination_metrics[0].count",
            "destination_metrics[0].sum_ms",
            "destination_metrics[0].min_ms",
            "destination_metrics[0].max_ms",
            "destination_metrics[0].sketch");
    assertThat(problems("[]")).containsExactly("destination_metrics[0]");
    // A 256-character destination (a span's limit) is fine, and unknown fields are ignored.
    assertThat(
            valid(
                    body(
                        metric("\"" + "d".repeat(256) + "\"", "3", "0", "6", ok)
                            .replace("{", "{\"x\": [1],"),
                        ""))
                .destinationMetrics())
        .hasSize(1);
  }

  @Test
  void eachDestinationMetricIsAnEventAgainstTheLimit() {
    PayloadParser small =
        new PayloadParser(
            new IntakeLimits(
                1 << 20,
                2,
                10,
                10,
                2,
                1024,
                1000,
                java.time.Duration.ofDays(7),
                java.time.Duration.ofMinutes(5)));
    String m = metric("\"db\"", "3", "0", "6", sketchOf(1, 2, 3));
    ParseOutcome outcome =
        small.parse(
            new ByteArrayInputStream(
                body(m + "," + m + "," + m, "").getBytes(StandardCharsets.UTF_8)),
            UUID.randomUUID(),
            UUID.randomUUID(),
            NOW);
    assertThat(outcome).isInstanceOf(ParseOutcome.TooLarge.class);
  }

  @Test
  void derivesDestinationMetricsFromTheExitSpansOfCountedTransactionsOnly() {
    String at = "2026-11-26T10:15:59.990Z";
    String transactions =
        """
        {"name": "GET /a", "type": "request", "timestamp": "%1$s", "duration_ms": 50,
         "trace_id": "0af7651916cd43dd8448eb211c80319c",
         "spans": [
           {"name": "GET", "type": "external", "start_ms": 1, "duration_ms": 2,
            "destination": "inventory:8080", "outcome": "success"},
           {"name": "GET", "type": "external", "start_ms": 5, "duration_ms": 4,
            "destination": "inventory:8080", "outcome": "failure"},
           {"name": "GET", "type": "external", "start_ms": 20, "duration_ms": 8,
            "destination": "inventory:8080"},
           {"name": "SELECT", "type": "db", "duration_ms": 1, "destination": "postgresql"},
           {"name": "no time", "type": "db", "destination": "postgresql"},
           {"name": "render", "type": "app", "start_ms": 1, "duration_ms": 1}]},
        {"name": "job", "type": "scheduled", "timestamp": "%1$s", "duration_ms": 9,
         "spans": [{"name": "SELECT", "type": "db", "duration_ms": 3, "destination": "postgresql"}]},
        {"name": "GET /b", "type": "request", "timestamp": "%1$s", "duration_ms": 5,
         "aggregated": true,
         "spans": [{"name": "GET", "type": "external", "duration_ms": 2,
                    "destination": "inventory:8080"}]}"""
            .formatted(at);
    ParseOutcome outcome =
        parse(body(metric("\"billing:443\"", "3", "0", "6", sketchOf(1, 2, 3)), transactions));

    assertThat(outcome).isInstanceOf(ParseOutcome.Valid.class);
    // The request's own: intake's derived ones are not events of the request.
    assertThat(((ParseOutcome.Valid) outcome).destinationMetrics()).isEqualTo(1);
    List<DestinationMetric> metrics = ((ParseOutcome.Valid) outcome).batch().destinationMetrics();
    assertThat(metrics.getFirst().destination()).isEqualTo("billing:443");
    assertThat(metrics)
        .extracting(
            DestinationMetric::destination,
            DestinationMetric::minute,
            DestinationMetric::count,
            DestinationMetric::failures,
            DestinationMetric::sumMs)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "billing:443", Instant.parse("2026-11-26T10:15:00Z"), 3L, 0L, 6.0),
            // Two calls started in 10:15, the third (at +20 ms) in 10:16; the aggregated
            // transaction's call is its agent's to count.
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:15:00Z"), 2L, 1L, 6.0),
            org.assertj.core.groups.Tuple.tuple(
                "inventory:8080", Instant.parse("2026-11-26T10:16:00Z"), 1L, 0L, 8.0),
            // Without start_ms, a span is in its transaction's minute; without a duration it is
            // not counted.
            org.assertj.core.groups.Tuple.tuple(
                "postgresql", Instant.parse("2026-11-26T10:15:00Z"), 2L, 0L, 4.0));
  }

  private List<String> problems(String metric) {
    ParseOutcome outcome = parse(body(metric, ""));
    assertThat(outcome).as(metric).isInstanceOf(ParseOutcome.InvalidPayload.class);
    return ((ParseOutcome.InvalidPayload) outcome)
        .details().stream().map(ErrorBody.Detail::field).toList();
  }
}
