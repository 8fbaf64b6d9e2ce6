package io.upbeat.intake.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OtlpBudgetTest {
  /** A length-delimited field {@code field} holding {@code content}. */
  static byte[] field(int field, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 8);
    out.write(field << 3 | 2);
    int n = content.length;
    while (n >= 0x80) {
      out.write(n & 0x7F | 0x80);
      n >>>= 7;
    }
    out.write(n);
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** Traces of {@code spans} empty spans (two bytes each on the wire) in one scope. */
  static byte[] emptySpans(int spans) {
    byte[] empty = {2 << 3 | 2, 0}; // ScopeSpans.spans = {}
    byte[] scope = new byte[spans * 2];
    for (int i = 0; i < spans; i++) {
      System.arraycopy(empty, 0, scope, 2 * i, 2);
    }
    return field(1, field(2, scope)); // request.resource_spans[0].scope_spans[0]
  }

  @Test
  void countsSpansOnTheWireAndStopsAtTheLimit() throws Exception {
    byte[] body = emptySpans(2_500_000); // 5 MB that would decode to ~400 MB of Span objects
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                OtlpBudget.protobuf(
                    body, ExportTraceServiceRequest.getDescriptor(), 20_000, 500_000))
        .isInstanceOf(OtlpBudget.OverBudget.class)
        .hasMessage("The request has more than 20000 spans, log records or data points.");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(1.0);

    assertThatCode(
            () ->
                OtlpBudget.protobuf(
                    emptySpans(20_000), ExportTraceServiceRequest.getDescriptor(), 20_000, 500_000))
        .doesNotThrowAnyException();
  }

  @Test
  void countsMessagesOfEveryKind() {
    // One span with 1,000 empty attributes.
    byte[] attributes = new byte[2_000];
    for (int i = 0; i < 1_000; i++) {
      attributes[2 * i] = 9 << 3 | 2; // Span.attributes = {}
    }
    byte[] body = field(1, field(2, field(2, attributes)));

    assertThatThrownBy(
            () -> OtlpBudget.protobuf(body, ExportTraceServiceRequest.getDescriptor(), 10, 500))
        .isInstanceOf(OtlpBudget.OverBudget.class)
        .hasMessageContaining("more than 500 OTLP messages");
  }

  @Test
  void realRequestsPass() {
    Instant now = Instant.now();
    byte[] traces = OtlpFixtures.traces(OtlpFixtures.request(now, 500, true)).toByteArray();
    assertThatCode(
            () -> OtlpBudget.protobuf(traces, ExportTraceServiceRequest.getDescriptor(), 3, 100))
        .doesNotThrowAnyException();
    assertThatCode(
            () -> OtlpBudget.protobuf(new byte[0], ExportLogsServiceRequest.getDescriptor(), 1, 1))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> OtlpBudget.protobuf(traces, ExportTraceServiceRequest.getDescriptor(), 2, 100))
        .isInstanceOf(OtlpBudget.OverBudget.class);
  }

  @Test
  void metricDataPointsAreItems() throws Exception {
    // ResourceMetrics.scope_metrics.metrics[0].gauge.data_points x 3
    byte[] points = new byte[6];
    for (int i = 0; i < 3; i++) {
      points[2 * i] = 1 << 3 | 2;
    }
    byte[] body = field(1, field(2, field(2, field(5, points))));
    ExportMetricsServiceRequest.parseFrom(body); // a real metrics request
    assertThatThrownBy(
            () -> OtlpBudget.protobuf(body, ExportMetricsServiceRequest.getDescriptor(), 2, 100))
        .isInstanceOf(OtlpBudget.OverBudget.class);
  }

  @Test
  void refusesWhatIsNotProtobuf() {
    byte[] truncated = {1 << 3 | 2, 10, 2 << 3 | 2};
    assertThatThrownBy(
            () -> OtlpBudget.protobuf(truncated, ExportTraceServiceRequest.getDescriptor(), 10, 10))
        .isInstanceOf(InvalidProtocolBufferException.class);
    // AnyValue nested 200 deep (array_value.values[0]...): refused, never a StackOverflowError.
    byte[] any = new byte[0];
    for (int i = 0; i < 200; i++) {
      any = field(5, field(1, any)); // AnyValue.array_value(5) -> ArrayValue.values(1)
    }
    byte[] attribute = field(2, any); // KeyValue.value
    byte[] body = field(1, field(2, field(2, field(9, attribute))));
    assertThatThrownBy(
            () ->
                OtlpBudget.protobuf(body, ExportTraceServiceRequest.getDescriptor(), 10, 1_000_000))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void countsJsonItemsInTheirArrays() {
    StringBuilder json = new StringBuilder("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[");
    for (int i = 0; i < 1_000_000; i++) {
      json.append(i == 0 ? "{}" : ",{}");
    }
    json.append("]}]}]}");
    byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
    long start = System.nanoTime();

    assertThatThrownBy(() -> OtlpBudget.json(body, 20_000, 500_000))
        .isInstanceOf(OtlpBudget.OverBudget.class)
        .hasMessageContaining("20000 spans");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(1.0);
    assertThatCode(
            () ->
                OtlpBudget.json(
                    "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{},{}]}]}]}"
                        .getBytes(StandardCharsets.UTF_8),
                    2,
                    10))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                OtlpBudget.json(
                    "{\"resourceLogs\":[{\"scopeLogs\":[{\"log_records\":[{},{},{}]}]}]}"
                        .getBytes(StandardCharsets.UTF_8),
                    2,
                    10))
        .isInstanceOf(OtlpBudget.OverBudget.class);
  }
}
