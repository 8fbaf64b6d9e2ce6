package io.upbeat.intake.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {
  static final String BODY =
      """
      {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop-web"}}],
                     "somethingNew": {"x": 1}},
        "scopeSpans": [{"scope": {"name": "io.opentelemetry.tomcat-10.0"},
          "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "parentSpanId": "",
            "name": "GET /users/{id}",
            "kind": 2,
            "startTimeUnixNano": "1794305730000000000",
            "endTimeUnixNano": 1794305730012500000,
            "attributes": [{"key": "http.response.status_code", "value": {"intValue": "200"}}],
            "status": {"code": 1},
            "futureField": [1, 2, 3]
          }]}]}]}
      """;

  private static ExportTraceServiceRequest parse(String json) throws OtlpJson.InvalidJson {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    OtlpJson.merge(json.getBytes(StandardCharsets.UTF_8), b);
    return b.build();
  }

  @Test
  void idsAreHexEnumsIntegersInt64StringsAndUnknownFieldsIgnored() throws Exception {
    Span span = parse(BODY).getResourceSpans(0).getScopeSpans(0).getSpans(0);

    assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray()))
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(HexFormat.of().formatHex(span.getSpanId().toByteArray()))
        .isEqualTo("eee19b7ec3c1b174");
    assertThat(span.getParentSpanId().isEmpty()).isTrue();
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1794305730000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1794305730012500000L);
    assertThat(span.getAttributes(0).getValue().getIntValue()).isEqualTo(200);
  }

  @Test
  void protobufsOwnJsonWouldHaveCorruptedTheIds() throws Exception {
    // What this class exists to prevent: JsonFormat alone reads the hex as base64.
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().ignoringUnknownFields().merge(BODY, b);
    assertThat(b.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId().size())
        .isEqualTo(24);
  }

  @Test
  void badIdsAndBadJsonAreRefused() {
    assertThatThrownBy(() -> parse(BODY.replace("eee19b7ec3c1b174", "eee19b7ec3c1b17")))
        .isInstanceOf(OtlpJson.InvalidJson.class)
        .hasMessageContaining("spanId must be 16 hex digits");
    assertThatThrownBy(() -> parse(BODY.replace("eee19b7ec3c1b174", "zzz19b7ec3c1b174")))
        .hasMessageContaining("hex");
    assertThatThrownBy(() -> parse("{\"resourceSpans\": ["))
        .isInstanceOf(OtlpJson.InvalidJson.class);
    assertThatThrownBy(() -> parse("[]")).isInstanceOf(OtlpJson.InvalidJson.class);
    assertThatThrownBy(() -> parse("{\"resourceSpans\": 3}"))
        .isInstanceOf(OtlpJson.InvalidJson.class);
  }

  @Test
  void emptyBodiesAndObjectsAreEmptyRequests() throws Exception {
    assertThat(parse("").getResourceSpansCount()).isZero();
    assertThat(parse("{}").getResourceSpansCount()).isZero();
  }
}
