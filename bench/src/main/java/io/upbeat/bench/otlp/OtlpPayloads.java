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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

/**
 * Request bodies for bench/otlp-ingest: the same traffic three ways, as OTLP/protobuf (what the
 * OpenTelemetry Java agent sends to {@code /v1/traces}), as Upbeat's native JSON ({@code
 * /v1/events}) and as an Elastic APM intake v2 stream (what Elastic's agents send to {@code
 * /intake/v2/events}). Each batch holds {@code traces} requests of a shop, each a server span with
 * three children (the handler and two JDBC queries): with 25 traces, 100 spans, the OTel SDK's
 * usual batch. Natively that is 25 transactions with their 2 query spans; for Elastic, a metadata
 * line then 25 transaction lines and 75 span lines (handler and queries, each naming its
 * transaction and parent, in the order an agent ends them: queries, handler, transaction).
 * Timestamps are the minutes before now (intake refuses events older than 7 days): generate them at
 * the start of every run.
 *
 * <p>Usage: {@code OtlpPayloads DIR BATCHES TRACES_PER_BATCH} writes {@code
 * DIR/otlp/batch-NNNN.pb}, {@code DIR/native/batch-NNNN.json} and {@code
 * DIR/elastic/batch-NNNN.ndjson}, then prints their mean sizes.
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
    Files.createDirectories(dir.resolve("elastic"));
    Random random = new Random(1);
    HexFormat hex = HexFormat.of();
    long otlpBytes = 0;
    long nativeBytes = 0;
    long elasticBytes = 0;
    Instant base = Instant.now().minusSeconds(120);
    for (int b = 0; b < batches; b++) {
      ScopeSpans.Builder scope = ScopeSpans.newBuilder();
      StringBuilder json =
          new StringBuilder(
              "{\"service\":{\"name\":\"shop-web\",\"environment\":\"production\","
                  + "\"version\":\"2026.11.26-3\",\"language\":\"java\"},\"transactions\":[");
      StringBuilder ndjson =
          new StringBuilder(
              "{\"metadata\":{\"service\":{\"name\":\"shop-web\",\"environment\":\"production\","
                  + "\"version\":\"2026.11.26-3\",\"language\":{\"name\":\"Java\"},"
                  + "\"agent\":{\"name\":\"java\",\"version\":\"1.55.1\"}}}}\n");
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
          ndjson.append(
              elasticSpan(
                  hex.formatHex(queryId),
                  hex.formatHex(serverId),
                  hex.formatHex(handlerId),
                  hex.formatHex(traceId),
                  name,
                  "\"type\":\"db\",\"subtype\":\"postgresql\",\"action\":\"query\"",
                  qs,
                  qd));
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
        ndjson
            .append(
                elasticSpan(
                    hex.formatHex(handlerId),
                    hex.formatHex(serverId),
                    hex.formatHex(serverId),
                    hex.formatHex(traceId),
                    "ShopController.handle",
                    "\"type\":\"app\",\"subtype\":\"internal\"",
                    start + duration / 10,
                    duration * 8 / 10))
            .append(
                String.format(
                    Locale.ROOT,
                    "{\"transaction\":{\"id\":\"%s\",\"trace_id\":\"%s\",\"name\":\"%s %s\","
                        + "\"type\":\"request\",\"timestamp\":%d,\"duration\":%.3f,"
                        + "\"result\":\"HTTP %dxx\",\"outcome\":\"%s\",\"sampled\":true,"
                        + "\"span_count\":{\"started\":3,\"dropped\":0},"
                        + "\"context\":{\"request\":{\"method\":\"%s\",\"url\":{\"pathname\":\"%s\"}},"
                        + "\"response\":{\"status_code\":%d}}}}\n",
                    hex.formatHex(serverId),
                    hex.formatHex(traceId),
                    route[0],
                    route[1],
                    start / 1000,
                    duration / 1e6,
                    status / 100,
                    status >= 500 ? "failure" : "success",
                    route[0],
                    route[1],
                    status));
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
      byte[] nat = json.toString().getBytes(StandardCharsets.UTF_8);
      byte[] elastic = ndjson.toString().getBytes(StandardCharsets.UTF_8);
      Files.write(dir.resolve("otlp").resolve(String.format("batch-%04d.pb", b)), otlp);
      Files.write(dir.resolve("native").resolve(String.format("batch-%04d.json", b)), nat);
      Files.write(dir.resolve("elastic").resolve(String.format("batch-%04d.ndjson", b)), elastic);
      otlpBytes += otlp.length;
      nativeBytes += nat.length;
      elasticBytes += elastic.length;
    }
    System.out.printf(
        "PAYLOADS batches=%d traces=%d spans=%d otlp_avg_bytes=%d native_avg_bytes=%d"
            + " elastic_avg_bytes=%d%n",
        batches,
        traces,
        traces * 4,
        otlpBytes / batches,
        nativeBytes / batches,
        elasticBytes / batches);
  }

  /**
   * One Elastic span line: {@code type} holds the type fields as JSON members; start in epoch
   * nanoseconds (sent as microseconds, as agents do), duration in nanoseconds (sent in ms).
   */
  private static String elasticSpan(
      String id,
      String transactionId,
      String parentId,
      String traceId,
      String name,
      String type,
      long start,
      long duration) {
    return String.format(
        Locale.ROOT,
        "{\"span\":{\"id\":\"%s\",\"transaction_id\":\"%s\",\"parent_id\":\"%s\","
            + "\"trace_id\":\"%s\",\"name\":\"%s\",%s,\"timestamp\":%d,\"duration\":%.3f}}\n",
        id,
        transactionId,
        parentId,
        traceId,
        name,
        type,
        start / 1000,
        duration / 1e6);
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
