package io.upbeat.api.metrics;

import io.upbeat.api.metrics.SamplesController.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A sampled transaction as the transaction page draws it: its spans placed on a timeline of the
 * transaction (offset and width in % of its duration), in the order they started.
 */
record SampleView(
    Instant timestamp,
    double durationMs,
    String result,
    String outcome,
    String serviceVersion,
    String traceId,
    List<SpanBar> spans) {

  /** One span: where it starts and how long it lasts, in ms and in % of the transaction. */
  record SpanBar(
      String name,
      String type,
      double startMs,
      double durationMs,
      double leftPct,
      double widthPct) {}

  static SampleView of(Sample s) {
    List<SpanBar> bars = new ArrayList<>();
    double total = Math.max(s.durationMs(), 1e-9);
    JsonNode spans = JsonMapper.shared().readTree(s.spans() == null ? "[]" : s.spans());
    for (JsonNode span : spans) {
      double start = span.path("start_ms").asDouble(0);
      double duration = span.path("duration_ms").asDouble(0);
      double left = clamp(start / total * 100);
      double width = Math.max(0.5, Math.min(100 - left, duration / total * 100));
      bars.add(
          new SpanBar(
              span.path("name").asString("span"),
              span.path("type").asString(""),
              start,
              duration,
              left,
              width));
    }
    bars.sort(java.util.Comparator.comparingDouble(SpanBar::startMs));
    return new SampleView(
        s.timestamp(),
        s.durationMs(),
        s.result(),
        s.outcome(),
        s.serviceVersion(),
        s.traceId(),
        List.copyOf(bars));
  }

  private static double clamp(double pct) {
    return Math.max(0, Math.min(99.5, pct));
  }
}
