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
 * @param transactions transactions to count in the metrics (and to sample for traces)
 * @param samples transactions already counted in {@code metrics} by an aggregating agent, sent in
 *     full (spans, context) only as examples; never counted again
 * @param metrics transactions aggregated by the agent, per name, type and minute
 */
public record EventBatch(
    UUID batchId,
    UUID appId,
    Instant receivedAt,
    ServiceInfo service,
    List<TransactionEvent> transactions,
    List<ErrorEvent> errors,
    List<TransactionEvent> samples,
    List<TransactionMetric> metrics) {
  public EventBatch {
    Objects.requireNonNull(batchId, "batchId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(service, "service");
    transactions = transactions == null ? List.of() : List.copyOf(transactions);
    errors = errors == null ? List.of() : List.copyOf(errors);
    samples = samples == null ? List.of() : List.copyOf(samples);
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
  }

  /** A batch of plain transactions and errors, as agents that do not aggregate send. */
  public EventBatch(
      UUID batchId,
      UUID appId,
      Instant receivedAt,
      ServiceInfo service,
      List<TransactionEvent> transactions,
      List<ErrorEvent> errors) {
    this(batchId, appId, receivedAt, service, transactions, errors, List.of(), List.of());
  }

  /** Events in the batch, as intake counts them against its limits. */
  public int size() {
    return transactions.size() + errors.size() + samples.size() + metrics.size();
  }

  /** Transactions the batch stands for: its own plus those aggregated into its metrics. */
  public long transactionCount() {
    long n = transactions.size();
    for (TransactionMetric m : metrics) {
      n += m.count();
    }
    return n;
  }
}
