package io.upbeat.intake.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.support.web.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * Requests and events accepted, requests rejected by reason, bytes in; tagged with the {@code
 * protocol} they came by ({@code native} for {@code /v1/events}, {@code otlp}, ...).
 */
public final class IntakeMetrics {
  private final Counter requestsAccepted;
  private final Counter transactions;
  private final Counter errors;
  private final Counter aggregates;
  private final Counter bytesWire;
  private final Counter bytesDecoded;
  private final Counter itemsRejected;
  private final Map<ErrorCode, Counter> rejected = new EnumMap<>(ErrorCode.class);

  public IntakeMetrics(MeterRegistry meters, String protocol) {
    requestsAccepted =
        meters.counter("upbeat.intake.requests", "protocol", protocol, "result", "accepted");
    transactions = accepted(meters, protocol, "transaction");
    errors = accepted(meters, protocol, "error");
    aggregates = accepted(meters, protocol, "transaction_metric");
    bytesWire = meters.counter("upbeat.intake.bytes", "protocol", protocol, "stage", "wire");
    bytesDecoded = meters.counter("upbeat.intake.bytes", "protocol", protocol, "stage", "decoded");
    itemsRejected = meters.counter("upbeat.intake.items.rejected", "protocol", protocol);
    for (ErrorCode code : ErrorCode.values()) {
      rejected.put(
          code,
          meters.counter("upbeat.intake.requests", "protocol", protocol, "result", code.code()));
    }
  }

  private static Counter accepted(MeterRegistry meters, String protocol, String kind) {
    return meters.counter("upbeat.intake.events.accepted", "protocol", protocol, "kind", kind);
  }

  /** Items a third-party protocol's request carried that were dropped (OTLP partial success). */
  public void itemsRejected(long n) {
    itemsRejected.increment(n);
  }

  public void accepted(int transactionCount, int errorCount, int aggregateCount) {
    requestsAccepted.increment();
    transactions.increment(transactionCount);
    errors.increment(errorCount);
    aggregates.increment(aggregateCount);
  }

  public void rejected(ErrorCode reason) {
    rejected.get(reason).increment();
  }

  public void bytesIn(long wire, long decoded) {
    bytesWire.increment(wire);
    bytesDecoded.increment(decoded);
  }
}
