package io.upbeat.intake.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/** OTLP messages as the OpenTelemetry Java agent sends them, for tests. */
final class OtlpFixtures {
  static final String TRACE = "5b8efff798038103d269b633813fc60c";
  static final String SERVER = "eee19b7ec3c1b174";
  static final String CONTROLLER = "eee19b7ec3c1b173";
  static final String QUERY = "eee19b7ec3c1b172";

  static final String STACK =
      """
      java.lang.IllegalStateException: pricing failed
      \tat io.upbeat.example.ShopApplication$Pricing.discount(ShopApplication.java:80)
      \tat io.upbeat.example.ShopApplication.discount(ShopApplication.java:55)
      \tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
      \tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)
      Caused by: java.lang.ArithmeticException: / by zero
      \tat io.upbeat.example.ShopApplication$Pricing.ratio(ShopApplication.java:90)
      \t... 3 more
      """;

  private OtlpFixtures() {}

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  static ByteString id(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  static long nanos(Instant at) {
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  static Resource resource() {
    return Resource.newBuilder()
        .addAttributes(attr("service.name", "shop-web"))
        .addAttributes(attr("service.version", "2026.11.26-3"))
        .addAttributes(attr("deployment.environment.name", "staging"))
        .addAttributes(attr("telemetry.sdk.language", "java"))
        .addAttributes(attr("telemetry.distro.name", "opentelemetry-java-instrumentation"))
        .addAttributes(attr("telemetry.distro.version", "2.22.0"))
        .build();
  }

  /** A server span of 12.5 ms with a controller span and a query under it. */
  static List<Span> request(Instant start, long status, boolean thrown) {
    long t0 = nanos(start);
    Span.Builder server =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id(SERVER))
            .setName("GET /users/{id}/discount")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(t0)
            .setEndTimeUnixNano(t0 + 12_500_000)
            .addAttributes(attr("http.request.method", "GET"))
            .addAttributes(attr("http.route", "/users/{id}/discount"))
            .addAttributes(attr("url.path", "/users/1234/discount"))
            .addAttributes(attr("http.response.status_code", status));
    Span.Builder controller =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id(CONTROLLER))
            .setParentSpanId(id(SERVER))
            .setName("ShopApplication.discount")
            .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
            .setStartTimeUnixNano(t0 + 1_000_000)
            .setEndTimeUnixNano(t0 + 11_000_000);
    if (thrown) {
      for (Span.Builder s : List.of(server, controller)) {
        s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR))
            .addEvents(
                Span.Event.newBuilder()
                    .setName("exception")
                    .setTimeUnixNano(t0 + 10_000_000)
                    .addAttributes(attr("exception.type", "java.lang.IllegalStateException"))
                    .addAttributes(attr("exception.message", "pricing failed"))
                    .addAttributes(attr("exception.stacktrace", STACK)));
      }
    }
    Span query =
        Span.newBuilder()
            .setTraceId(id(TRACE))
            .setSpanId(id(QUERY))
            .setParentSpanId(id(CONTROLLER))
            .setName("SELECT shop.users")
            .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(t0 + 2_000_000)
            .setEndTimeUnixNano(t0 + 5_000_000)
            .addAttributes(attr("db.system.name", "h2"))
            .build();
    // Children end first, so an SDK lists them first.
    return List.of(query, controller.build(), server.build());
  }

  static ExportTraceServiceRequest traces(List<Span> spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(resource())
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
        .build();
  }
}
