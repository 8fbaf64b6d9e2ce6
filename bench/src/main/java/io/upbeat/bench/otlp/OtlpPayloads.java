package io.upbeat.bench.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

/**
 * Request bodies for bench/otlp-ingest: the same traffic twice, as OTLP/protobuf (what the
 * OpenTelemetry Java agent sends to {@code /v1/traces}) and as Upbeat's native JSON ({@code
 * /v1/events}). Each batch holds {@code traces} requests of a shop, each a server span with three
 * children (the handler and two JDBC queries): with 25 traces, 100 spans, the OTel SDK's usual
 * batch. Natively that is 25 transactions with 3 spans each. Timestamps are the minutes before now
 * (intake refuses events older than 7 days): generate them at the start of every run.
 *
 * <p>Usage: {@code OtlpPayloads DIR BATCHES TRACES_PER_BATCH} writes {@code DIR/otlp/batch-NNNN.pb}
 * and {@code DIR/native/batch-NNNN.json}, then prints their mean sizes.
 */
public final class OtlpPayloads {
  private static final String[][] ROUTES = {
    {"GET", "/users/{id}", "users"},
    {"GET", "/users/{id}/orders", "orders"},
    {"GET", "/products", "products"},
    {"GET", "/products/{id}", "products"},
    {"POST", "/cart/items", "cart_items"},
    {"POST", "/checkout", "orders"},
    {"GET", "/search", "products"},
    {"GET", "/users/{id}/discount", "orders"},
  };

  private OtlpPayloads() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int batches = Integer.parseInt(args[1]);
    int traces = Integer.parseInt(args[2]);
    Files.createDirectories(dir.resolve("otlp"));
    Files.createDirectories(dir.resolve("native"));
    Random random = new Random(1);
    HexFormat hex = HexFormat.of();
    long otlpBytes = 0;
    long nativeBytes = 0;
    Instant base = Instant.now().minusSeconds(120);
    for (int b = 0; b < batches; b++) {
      ScopeSpans.Builder scope = ScopeSpans.newBuilder();
      StringBuilder json =
          new StringBuilder(
              "{\"service\":{\"name\":\"shop-web\",\"environment\":\"production\","
                  + "\"version\":\"2026.11.26-3\",\"language\":\"java\"},\"transactions\":[");
      for (int t = 0; t < traces; t++) {
        String[] route = ROUTES[random.nextInt(ROUTES.length)];
        byte[] traceId = new byte[16];
        random.nextBytes(traceId);
        byte[] serverId = new byte[8];
        random.nextBytes(serverId);
        long start =
            (base.getEpochSecond() + random.nextInt(60)) * 1_000_000_000L
                + random.nextInt(1_000_000_000);
        long duration = (long) (Math.exp(random.nextGaussian() * 0.8 + Math.log(15)) * 1e6);
        int status = random.nextInt(100) < 2 ? 500 : 200;
        scope.addSpans(
            span(
                    traceId,
                    serverId,
                    null,
                    route[0] + " " + route[1],
                    Span.SpanKind.SPAN_KIND_SERVER,
                    start,
                    start + duration)
                .addAttributes(attr("http.request.method", route[0]))
                .addAttributes(attr("http.route", route[1]))
                .addAttributes(
                    attr("url.path", route[1].replace("{id}", "" + random.nextInt(9999))))
                .addAttributes(
                    KeyValue.newBuilder()
                        .setKey("http.response.status_code")
                        .setValue(AnyValue.newBuilder().setIntValue(status)))
                .build());
        byte[] handlerId = new byte[8];
        random.nextBytes(handlerId);
        scope.addSpans(
            span(
                    traceId,
                    handlerId,
                    serverId,
                    "ShopController.handle",
                    Span.SpanKind.SPAN_KIND_INTERNAL,
                    start + duration / 10,
                    start + duration * 9 / 10)
                .build());
        StringBuilder spans = new StringBuilder();
        for (int q = 0; q < 2; q++) {
          byte[] queryId = new byte[8];
          random.nextBytes(queryId);
          long qs = start + duration / 5 + q * duration / 3;
          long qd = duration / 5;
          String name = "SELECT shop." + route[2];
          scope.addSpans(
              span(traceId, queryId, handlerId, name, Span.SpanKind.SPAN_KIND_CLIENT, qs, qs + qd)
                  .addAttributes(attr("db.system.name", "postgresql"))
                  .build());
          spans
              .append(q == 0 ? "" : ",")
              .append(
                  String.format(
                      Locale.ROOT,
                      "{\"name\":\"%s\",\"type\":\"db.postgresql.query\",\"start_ms\":%.3f,\"duration_ms\":%.3f}",
                      name,
                      (qs - start) / 1e6,
                      qd / 1e6));
        }
        json.append(t == 0 ? "" : ",")
            .append(
                String.format(
                    Locale.ROOT,
                    "{\"id\":\"%s\",\"trace_id\":\"%s\",\"name\":\"%s %s\",\"type\":\"request\","
                        + "\"timestamp\":\"%s\",\"duration_ms\":%.3f,\"result\":\"HTTP %dxx\","
                        + "\"outcome\":\"%s\",\"spans\":[%s],"
                        + "\"context\":{\"request\":{\"method\":\"%s\",\"url\":\"%s\"}}}",
                    hex.formatHex(serverId),
                    hex.formatHex(traceId),
                    route[0],
                    route[1],
                    Instant.ofEpochSecond(0, start),
                    duration / 1e6,
                    status / 100,
                    status >= 500 ? "failure" : "success",
                    spans,
                    route[0],
                    route[1]));
      }
      json.append("]}");
      byte[] otlp =
          ExportTraceServiceRequest.newBuilder()
              .addResourceSpans(
                  ResourceSpans.newBuilder()
                      .setResource(
                          Resource.newBuilder()
                              .addAttributes(attr("service.name", "shop-web"))
                              .addAttributes(attr("service.version", "2026.11.26-3"))
                              .addAttributes(attr("deployment.environment.name", "production"))
                              .addAttributes(attr("telemetry.sdk.language", "java")))
                      .addScopeSpans(scope))
              .build()
              .toByteArray();
      byte[] nat = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      Files.write(dir.resolve("otlp").resolve(String.format("batch-%04d.pb", b)), otlp);
      Files.write(dir.resolve("native").resolve(String.format("batch-%04d.json", b)), nat);
      otlpBytes += otlp.length;
      nativeBytes += nat.length;
    }
    System.out.printf(
        "PAYLOADS batches=%d traces=%d spans=%d otlp_avg_bytes=%d native_avg_bytes=%d%n",
        batches, traces, traces * 4, otlpBytes / batches, nativeBytes / batches);
  }

  private static Span.Builder span(
      byte[] trace,
      byte[] id,
      byte[] parent,
      String name,
      Span.SpanKind kind,
      long start,
      long end) {
    Span.Builder s =
        Span.newBuilder()
            .setTraceId(ByteString.copyFrom(trace))
            .setSpanId(ByteString.copyFrom(id))
            .setName(name)
            .setKind(kind)
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(end);
    if (parent != null) {
      s.setParentSpanId(ByteString.copyFrom(parent));
    }
    return s;
  }

  private static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }
}
