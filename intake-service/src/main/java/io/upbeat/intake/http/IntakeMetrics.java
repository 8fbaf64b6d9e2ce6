package io.upbeat.intake.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.support.web.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/** Requests and events accepted, requests rejected by reason, bytes in. */
final class IntakeMetrics {
  private final Counter requestsAccepted;
  private final Counter transactions;
  private final Counter errors;
  private final Counter aggregates;
  private final Counter destinationAggregates;
  private final Counter bytesWire;
  private final Counter bytesDecoded;
  private final Map<ErrorCode, Counter> rejected = new EnumMap<>(ErrorCode.class);

  IntakeMetrics(MeterRegistry meters) {
    requestsAccepted = meters.counter("upbeat.intake.requests", "result", "accepted");
    transactions = meters.counter("upbeat.intake.events.accepted", "kind", "transaction");
    errors = meters.counter("upbeat.intake.events.accepted", "kind", "error");
    aggregates = meters.counter("upbeat.intake.events.accepted", "kind", "transaction_metric");
    destinationAggregates =
        meters.counter("upbeat.intake.events.accepted", "kind", "destination_metric");
    bytesWire = meters.counter("upbeat.intake.bytes", "stage", "wire");
    bytesDecoded = meters.counter("upbeat.intake.bytes", "stage", "decoded");
    for (ErrorCode code : ErrorCode.values()) {
      rejected.put(code, meters.counter("upbeat.intake.requests", "result", code.code()));
    }
  }

  void accepted(
      int transactionCount, int errorCount, int aggregateCount, int destinationAggregateCount) {
    requestsAccepted.increment();
    transactions.increment(transactionCount);
    errors.increment(errorCount);
    aggregates.increment(aggregateCount);
    destinationAggregates.increment(destinationAggregateCount);
  }

  void rejected(ErrorCode reason) {
    rejected.get(reason).increment();
  }

  void bytesIn(long wire, long decoded) {
    bytesWire.increment(wire);
    bytesDecoded.increment(decoded);
  }
}
