package io.upbeat.processor.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.TransactionEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One partition's traces found interesting since the last flush (the tail decision, M15): a trace
 * with an error (the errors pipeline), or with a failed or slow transaction kept in full (the
 * samples pipeline). They are written to {@code tail_traces} inside the pipeline's exactly-once
 * commit, and the tail pipeline then keeps the rest of each such trace.
 *
 * <p>Each app records at most {@link Policy#perAppMinute} distinct traces per minute (of this
 * processor's clock) in one partition; beyond it they are counted ({@code
 * upbeat.processor.traces.tail{result="over_cap"}}) and not recorded, so an app failing every
 * request cannot make the tail pipeline keep every trace. Like the samples' budgets, the count
 * outlives flushes, and a replay (rebuild, bisection) records again exactly the traces recorded the
 * first time, charging nothing.
 */
public final class TraceDecisions {
  /** Why a trace is kept: the {@code reason} column. */
  public enum Reason {
    ERROR("error"),
    FAILURE("failure"),
    SLOW("slow");

    private final String column;

    Reason(String column) {
      this.column = column;
    }

    String column() {
      return column;
    }
  }

  /** A trace to record. */
  record Decision(String traceId, UUID app, Reason reason, Instant decidedAt) {}

  /**
   * How traces are recorded, shared by every partition's decisions of one pipeline.
   *
   * @param perAppMinute distinct traces recorded per app and minute per partition at most; 0
   *     records none
   * @param slowMs a transaction of at least this duration makes its trace interesting
   */
  public record Policy(
      int perAppMinute, double slowMs, Clock clock, Counter recorded, Counter overCap) {
    /** Records nothing: for pipelines and tests without the tail decision. */
    public static final Policy NONE =
        new Policy(0, Double.MAX_VALUE, Clock.systemUTC(), null, null);

    public Policy {
      if (perAppMinute < 0) {
        throw new IllegalArgumentException(
            "tail traces per app and minute must not be negative: " + perAppMinute);
      }
      if (!(slowMs > 0)) {
        throw new IllegalArgumentException("slow threshold must be above 0 ms: " + slowMs);
      }
    }

    /** A policy counting in {@code upbeat.processor.traces.tail{pipeline, result}}. */
    public static Policy of(
        int perAppMinute, double slowMs, Clock clock, String pipeline, MeterRegistry meters) {
      return new Policy(
          perAppMinute,
          slowMs,
          clock,
          meters.counter(
              "upbeat.processor.traces.tail", "pipeline", pipeline, "result", "recorded"),
          meters.counter(
              "upbeat.processor.traces.tail", "pipeline", pipeline, "result", "over_cap"));
    }

    /** Why {@code t} makes its trace interesting, or null when it does not. */
    public Reason reasonOf(TransactionEvent t) {
      if ("failure".equals(t.outcome())) {
        return Reason.FAILURE;
      }
      return t.durationMs() >= slowMs ? Reason.SLOW : null;
    }
  }

  private final Policy policy;
  private final Map<String, Decision> pending = new LinkedHashMap<>();
  // The traces recorded since the last clear: what a replay of their batches records.
  private final Set<String> admitted = new HashSet<>();
  private final Map<UUID, Integer> recordedThisMinute = new HashMap<>();
  private Instant minute = Instant.EPOCH;

  public TraceDecisions(Policy policy) {
    this.policy = policy;
  }

  public Policy policy() {
    return policy;
  }

  /**
   * Records that trace {@code traceId} of {@code app} is interesting, within the app's budget for
   * the minute; a trace already pending is not charged again.
   */
  public void offer(UUID app, String traceId, Reason reason) {
    if (traceId == null || policy.perAppMinute() == 0 || pending.containsKey(traceId)) {
      return;
    }
    Instant now = policy.clock().instant();
    Instant thisMinute = now.truncatedTo(ChronoUnit.MINUTES);
    if (!thisMinute.equals(minute)) {
      minute = thisMinute;
      recordedThisMinute.clear();
    }
    int n = recordedThisMinute.merge(app, 1, Integer::sum);
    if (n > policy.perAppMinute()) {
      policy.overCap().increment();
      return;
    }
    policy.recorded().increment();
    admitted.add(traceId);
    pending.put(traceId, new Decision(traceId, app, reason, now));
  }

  /** As {@link #offer}, for a batch {@code origin} saw before: records what it recorded. */
  public void replay(UUID app, String traceId, Reason reason, TraceDecisions origin) {
    if (traceId != null && origin.admitted.contains(traceId) && !pending.containsKey(traceId)) {
      admitted.add(traceId);
      pending.put(traceId, new Decision(traceId, app, reason, policy.clock().instant()));
    }
  }

  Collection<Decision> pending() {
    return pending.values();
  }

  /** Empties the pending traces to replay them: the budget and what was recorded stay. */
  public void rewind() {
    pending.clear();
  }

  /** Empties the pending traces: they are committed. */
  public void clear() {
    pending.clear();
    admitted.clear();
  }

  /**
   * Writes the pending traces of {@code all} inside the caller's transaction; a trace recorded
   * already (by another partition, pipeline or processor) keeps its first decision. Written in
   * trace id order, so that two commits recording the same traces cannot deadlock.
   */
  public static void write(Connection c, Collection<TraceDecisions> all) throws SQLException {
    List<Decision> decisions = new ArrayList<>();
    for (TraceDecisions d : all) {
      decisions.addAll(d.pending.values());
    }
    if (decisions.isEmpty()) {
      return;
    }
    decisions.sort(Comparator.comparing(Decision::traceId));
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            INSERT INTO tail_traces (trace_id, app_id, reason, decided_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (trace_id) DO NOTHING
            """)) {
      for (Decision d : decisions) {
        ps.setString(1, d.traceId());
        ps.setObject(2, d.app());
        ps.setString(3, d.reason().column());
        ps.setTimestamp(4, Timestamp.from(d.decidedAt()));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }
}
