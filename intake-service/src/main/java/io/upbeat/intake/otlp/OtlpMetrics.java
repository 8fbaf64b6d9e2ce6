package io.upbeat.intake.otlp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.support.web.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * OTLP's requests, events and bytes under the third-party agents' counters ({@code
 * upbeat.intake.agent.*}, tagged {@code protocol="otlp"}, beside the Elastic endpoint's), plus the
 * items refused one by one (OTLP's partial success).
 */
final class OtlpMetrics {
  static final String PROTOCOL = "otlp";

  private final Counter requestsAccepted;
  private final Counter transactions;
  private final Counter errors;
  private final Counter bytesWire;
  private final Counter bytesDecoded;
  private final Counter itemsRejected;
  private final Map<ErrorCode, Counter> rejected = new EnumMap<>(ErrorCode.class);

  OtlpMetrics(MeterRegistry meters) {
    String p = "protocol";
    requestsAccepted =
        meters.counter("upbeat.intake.agent.requests", p, PROTOCOL, "result", "accepted");
    transactions =
        meters.counter("upbeat.intake.agent.events.accepted", p, PROTOCOL, "kind", "transaction");
    errors = meters.counter("upbeat.intake.agent.events.accepted", p, PROTOCOL, "kind", "error");
    bytesWire = meters.counter("upbeat.intake.agent.bytes", p, PROTOCOL, "stage", "wire");
    bytesDecoded = meters.counter("upbeat.intake.agent.bytes", p, PROTOCOL, "stage", "decoded");
    itemsRejected = meters.counter("upbeat.intake.agent.items.rejected", p, PROTOCOL);
    for (ErrorCode code : ErrorCode.values()) {
      rejected.put(
          code, meters.counter("upbeat.intake.agent.requests", p, PROTOCOL, "result", code.code()));
    }
  }

  void accepted(int transactionCount, int errorCount, long itemsRefused) {
    requestsAccepted.increment();
    transactions.increment(transactionCount);
    errors.increment(errorCount);
    itemsRejected.increment(itemsRefused);
  }

  void rejected(ErrorCode reason) {
    rejected.get(reason).increment();
  }

  void bytesIn(long wire, long decoded) {
    bytesWire.increment(wire);
    bytesDecoded.increment(decoded);
  }
}
