package io.upbeat.intake.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** What the publisher reports: enqueue latency, transactions, aborts, time-outs, queue depth. */
public final class PublisherMetrics {
  private final MeterRegistry registry;
  private final Timer enqueueLatency;
  private final Timer transactionTime;
  private final DistributionSummary transactionSize;
  private final Counter aborted;
  private final Counter timedOut;
  private final Counter rejected;

  public PublisherMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.enqueueLatency =
        Timer.builder("upbeat.intake.enqueue")
            .description("From handing a request's record to the publisher to its commit")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.transactionTime = registry.timer("upbeat.intake.kafka.transaction");
    this.transactionSize = registry.summary("upbeat.intake.kafka.transaction.requests");
    this.aborted = registry.counter("upbeat.intake.kafka.aborted.requests");
    this.timedOut = registry.counter("upbeat.intake.kafka.timedout.requests");
    this.rejected = registry.counter("upbeat.intake.kafka.rejected.requests");
  }

  void queueDepth(Supplier<Number> depth) {
    // A strong reference: the supplier is a lambda nobody else holds.
    Gauge.builder("upbeat.intake.publish.queue", depth, s -> s.get().doubleValue())
        .description("Requests waiting for a Kafka transaction")
        .strongReference(true)
        .register(registry);
  }

  void enqueued(long nanos) {
    enqueueLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void committed(int requests, long nanos) {
    transactionTime.record(nanos, TimeUnit.NANOSECONDS);
    transactionSize.record(requests);
  }

  void aborted(int requests) {
    aborted.increment(requests);
  }

  void timedOut() {
    timedOut.increment();
  }

  void rejected() {
    rejected.increment();
  }
}
