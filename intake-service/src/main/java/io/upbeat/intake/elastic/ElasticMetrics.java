package io.upbeat.intake.elastic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.support.web.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * Requests, events and bytes of a third-party protocol, tagged {@code protocol}, plus the lines
 * skipped (malformed) and ignored (metricsets, logs) by reason.
 */
final class ElasticMetrics {
  static final String PROTOCOL = "elastic";

  private final Counter requestsAccepted;
  private final Counter transactions;
  private final Counter errors;
  private final Counter bytesWire;
  private final Counter bytesDecoded;
  private final Map<ErrorCode, Counter> rejected = new EnumMap<>(ErrorCode.class);
  private final Map<Skip, Counter> skipped = new EnumMap<>(Skip.class);

  ElasticMetrics(MeterRegistry meters) {
    String p = "protocol";
    requestsAccepted =
        meters.counter("upbeat.intake.agent.requests", p, PROTOCOL, "result", "accepted");
    transactions =
        meters.counter("upbeat.intake.agent.events.accepted", p, PROTOCOL, "kind", "transaction");
    errors = meters.counter("upbeat.intake.agent.events.accepted", p, PROTOCOL, "kind", "error");
    bytesWire = meters.counter("upbeat.intake.agent.bytes", p, PROTOCOL, "stage", "wire");
    bytesDecoded = meters.counter("upbeat.intake.agent.bytes", p, PROTOCOL, "stage", "decoded");
    for (ErrorCode code : ErrorCode.values()) {
      rejected.put(
          code, meters.counter("upbeat.intake.agent.requests", p, PROTOCOL, "result", code.code()));
    }
    for (Skip s : Skip.values()) {
      skipped.put(
          s,
          s.odd()
              ? meters.counter("upbeat.intake.agent.events.skipped", p, PROTOCOL, "reason", s.tag())
              : meters.counter("upbeat.intake.agent.events.ignored", p, PROTOCOL, "kind", s.tag()));
    }
  }

  void accepted(int transactionCount, int errorCount) {
    requestsAccepted.increment();
    transactions.increment(transactionCount);
    errors.increment(errorCount);
  }

  void skipped(Map<Skip, Integer> counts) {
    counts.forEach((reason, n) -> skipped.get(reason).increment(n));
  }

  void rejected(ErrorCode reason) {
    rejected.get(reason).increment();
  }

  void bytesIn(long wire, long decoded) {
    bytesWire.increment(wire);
    bytesDecoded.increment(decoded);
  }
}
