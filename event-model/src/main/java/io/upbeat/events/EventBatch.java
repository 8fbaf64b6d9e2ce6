package io.upbeat.events;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What intake writes to {@link Topics#EVENTS} for one accepted request: every event of it, in one
 * Kafka record, so the request is enqueued entirely or not at all.
 *
 * @param batchId unique per accepted request; lets consumers recognise a batch they have seen
 * @param appId the app whose secret token authenticated the request
 * @param receivedAt when intake accepted it
 */
public record EventBatch(
    UUID batchId,
    UUID appId,
    Instant receivedAt,
    ServiceInfo service,
    List<TransactionEvent> transactions,
    List<ErrorEvent> errors) {
  public EventBatch {
    Objects.requireNonNull(batchId, "batchId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(service, "service");
    transactions = transactions == null ? List.of() : List.copyOf(transactions);
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public int size() {
    return transactions.size() + errors.size();
  }
}
