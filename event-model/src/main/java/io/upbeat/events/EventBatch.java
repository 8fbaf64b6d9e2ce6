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
 * @param orphanSpans spans whose transaction was not in the request (OTLP), to join to its sample
 * @param destinationMetrics exit spans per destination and minute, sent aggregated by the agent or
 *     derived by intake from the exit spans of the batch's counted transactions and orphan spans
 */
public record EventBatch(
    UUID batchId,
    UUID appId,
    Instant receivedAt,
    ServiceInfo service,
    List<TransactionEvent> transactions,
    List<ErrorEvent> errors,
    List<TransactionEvent> samples,
    List<TransactionMetric> metrics,
    List<OrphanSpan> orphanSpans,
    List<DestinationMetric> destinationMetrics) {
  public EventBatch {
    Objects.requireNonNull(batchId, "batchId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(service, "service");
    transactions = transactions == null ? List.of() : List.copyOf(transactions);
    errors = errors == null ? List.of() : List.copyOf(errors);
    samples = samples == null ? List.of() : List.copyOf(samples);
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
    orphanSpans = orphanSpans == null ? List.of() : List.copyOf(orphanSpans);
    destinationMetrics = destinationMetrics == null ? List.of() : List.copyOf(destinationMetrics);
  }

  /** A batch without destination metrics, as intake wrote them before the service map. */
  public EventBatch(
      UUID batchId,
      UUID appId,
      Instant receivedAt,
      ServiceInfo service,
      List<TransactionEvent> transactions,
      List<ErrorEvent> errors,
      List<TransactionEvent> samples,
      List<TransactionMetric> metrics,
      List<OrphanSpan> orphanSpans) {
    this(
        batchId,
        appId,
        receivedAt,
        service,
        transactions,
        errors,
        samples,
        metrics,
        orphanSpans,
        List.of());
  }

  /** This batch with other destination metrics (intake's derived ones added, say). */
  public EventBatch withDestinationMetrics(List<DestinationMetric> destinationMetrics) {
    return new EventBatch(
        batchId,
        appId,
        receivedAt,
        service,
        transactions,
        errors,
        samples,
        metrics,
        orphanSpans,
        destinationMetrics);
  }

  /** A batch without orphan spans: what every agent but an OpenTelemetry one makes. */
  public EventBatch(
      UUID batchId,
      UUID appId,
      Instant receivedAt,
      ServiceInfo service,
      List<TransactionEvent> transactions,
      List<ErrorEvent> errors,
      List<TransactionEvent> samples,
      List<TransactionMetric> metrics) {
    this(
        batchId,
        appId,
        receivedAt,
        service,
        transactions,
        errors,
        samples,
        metrics,
        List.of(),
        List.of());
  }

  /** A batch of plain transactions and errors, as agents that do not aggregate send. */
  public EventBatch(
      UUID batchId,
      UUID appId,
      Instant receivedAt,
      ServiceInfo service,
      List<TransactionEvent> transactions,
      List<ErrorEvent> errors) {
    this(
        batchId,
        appId,
        receivedAt,
        service,
        transactions,
        errors,
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  /** Events in the batch, as intake counts them against its limits. */
  public int size() {
    return transactions.size()
        + errors.size()
        + samples.size()
        + metrics.size()
        + destinationMetrics.size();
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
