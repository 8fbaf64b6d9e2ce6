package io.upbeat.processor.metrics;

import io.upbeat.events.EventBatch;
import io.upbeat.events.TransactionEvent;
import io.upbeat.events.TransactionMetric;
import io.upbeat.metrics.DurationStats;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Accumulates one partition's transactions since its last flush, by {@link MetricKey}: the minute
 * of each event's own timestamp, so late events land in their own buckets. Each transaction also
 * counts toward its type's app-wide row (name {@link #ALL}), which the response-time chart of a
 * whole app reads instead of merging every transaction name's rows.
 */
public final class MinuteAggregator {
  /** The name of the rows that hold every transaction of a type (intake refuses empty names). */
  public static final String ALL = "";

  private final Map<MetricKey, DurationStats> pending = new HashMap<>();
  private final NameLimiter names;
  private long transactions;
  private long folded;

  public MinuteAggregator(NameLimiter names) {
    this.names = names;
  }

  /**
   * Adds the batch's transactions, and its agent aggregates, whose minute is not before {@code
   * oldestMinute}. An aggregate merges exactly like a stored row: its sketch from its bytes.
   *
   * @return how many transactions were added (an aggregate adds its count)
   */
  public long add(EventBatch batch, Instant oldestMinute) {
    String environment = batch.service().environment();
    // A batch repeats few (type, name, minute) triples: each is admitted by the cardinality guard
    // and looked up among the pending rows once per batch, not once per transaction.
    Map<BatchKey, Rows> rows = new HashMap<>();
    long added = 0;
    for (TransactionEvent t : batch.transactions()) {
      if (t.timestamp().isBefore(oldestMinute)) {
        continue;
      }
      long minuteSecond = Math.floorDiv(t.timestamp().getEpochSecond(), 60) * 60;
      BatchKey batchKey = new BatchKey(t.type(), t.name(), minuteSecond);
      Rows r = rows.get(batchKey);
      if (r == null) {
        r = rows(batch, environment, t.type(), t.name(), Instant.ofEpochSecond(minuteSecond));
        rows.put(batchKey, r);
      }
      if (r.folded) {
        folded++;
      }
      boolean failed = failed(t);
      r.name.add(t.durationMs(), failed);
      r.all.add(t.durationMs(), failed);
      transactions++;
      added++;
    }
    for (TransactionMetric m : batch.metrics()) {
      if (m.minute().isBefore(oldestMinute)) {
        continue;
      }
      String name = names.admit(batch.appId(), m.minute(), m.name());
      if (!name.equals(m.name())) {
        folded += m.count();
      }
      merge(new MetricKey(batch.appId(), environment, m.type(), name, m.minute()), m);
      merge(new MetricKey(batch.appId(), environment, m.type(), ALL, m.minute()), m);
      transactions += m.count();
      added += m.count();
    }
    return added;
  }

  /** A transaction's (type, name, minute) within one batch. */
  private record BatchKey(String type, String name, long minuteSecond) {}

  /** The pending rows a batch's transactions of one (type, name, minute) go to. */
  private record Rows(DurationStats name, DurationStats all, boolean folded) {}

  private Rows rows(
      EventBatch batch, String environment, String type, String name, Instant minute) {
    String admitted = names.admit(batch.appId(), minute, name);
    DurationStats byName =
        pending.computeIfAbsent(
            new MetricKey(batch.appId(), environment, type, admitted, minute),
            k -> new DurationStats());
    DurationStats all =
        pending.computeIfAbsent(
            new MetricKey(batch.appId(), environment, type, ALL, minute), k -> new DurationStats());
    return new Rows(byName, all, !admitted.equals(name));
  }

  private void merge(MetricKey key, TransactionMetric m) {
    pending
        .computeIfAbsent(key, k -> new DurationStats())
        .mergeStored(m.count(), m.sumMs(), m.minMs(), m.maxMs(), m.failures(), m.sketch());
  }

  /** A transaction failed if its agent said so, or, without an outcome, if it was an HTTP 5xx. */
  static boolean failed(TransactionEvent t) {
    if (t.outcome() != null) {
      return t.outcome().equalsIgnoreCase("failure");
    }
    return t.result() != null && t.result().startsWith("HTTP 5");
  }

  public Map<MetricKey, DurationStats> pending() {
    return pending;
  }

  public long transactions() {
    return transactions;
  }

  /** Transactions whose name was folded into {@link NameLimiter#OTHER} since the last clear. */
  public long folded() {
    return folded;
  }

  public boolean isEmpty() {
    return pending.isEmpty();
  }

  public void clear() {
    pending.clear();
    transactions = 0;
    folded = 0;
  }
}
