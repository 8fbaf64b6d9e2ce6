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
 * whole app reads instead of merging every transaction name's rows. Those rows are merged from the
 * names' rows when {@link #pending} is read (once per flush), not added to per transaction: a merge
 * per name instead of a second sketch insertion per transaction, and exactly the same result.
 */
public final class MinuteAggregator {
  /** The name of the rows that hold every transaction of a type (intake refuses empty names). */
  public static final String ALL = "";

  /** Rows by transaction name (and the folded {@link NameLimiter#OTHER}), without totals. */
  private final Map<MetricKey, DurationStats> byName = new HashMap<>();

  /** {@link #byName} plus the {@link #ALL} rows, made by {@link #pending}; null once stale. */
  private Map<MetricKey, DurationStats> withTotals;

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
    withTotals = null;
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
      r.name.add(t.durationMs(), failed(t));
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
      transactions += m.count();
      added += m.count();
    }
    return added;
  }

  /** A transaction's (type, name, minute) within one batch. */
  private record BatchKey(String type, String name, long minuteSecond) {}

  /** The pending rows a batch's transactions of one (type, name, minute) go to. */
  private record Rows(DurationStats name, boolean folded) {}

  private Rows rows(
      EventBatch batch, String environment, String type, String name, Instant minute) {
    String admitted = names.admit(batch.appId(), minute, name);
    DurationStats row =
        byName.computeIfAbsent(
            new MetricKey(batch.appId(), environment, type, admitted, minute),
            k -> new DurationStats());
    return new Rows(row, !admitted.equals(name));
  }

  private void merge(MetricKey key, TransactionMetric m) {
    byName
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

  /** Every row to write: each name's, and each type's {@link #ALL} row merged from them. */
  public Map<MetricKey, DurationStats> pending() {
    if (withTotals == null) {
      Map<MetricKey, DurationStats> rows = new HashMap<>(byName);
      for (Map.Entry<MetricKey, DurationStats> e : byName.entrySet()) {
        MetricKey k = e.getKey();
        rows.computeIfAbsent(
                new MetricKey(k.appId(), k.environment(), k.type(), ALL, k.minute()),
                x -> new DurationStats())
            .merge(e.getValue());
      }
      withTotals = rows;
    }
    return withTotals;
  }

  public long transactions() {
    return transactions;
  }

  /** Transactions whose name was folded into {@link NameLimiter#OTHER} since the last clear. */
  public long folded() {
    return folded;
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  public void clear() {
    byName.clear();
    withTotals = null;
    transactions = 0;
    folded = 0;
  }
}
