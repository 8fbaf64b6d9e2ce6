package io.upbeat.intake.sample;

import io.upbeat.events.TransactionEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Which full transactions intake also sends in full, as samples (with spans and context), so that a
 * trace is kept whole or not at all whichever app, intake instance, Kafka partition or processor
 * sees each of its parts: the decision is a function of the trace id alone. A trace is kept when
 * the 64-bit hash of its id (FNV-1a over its characters, then MurmurHash3's finalizer, so ids whose
 * leading digits are a timestamp still spread evenly), taken as an unsigned 32-bit number from its
 * top half, is below {@code rate x 2^32}. Every intake instance must run with the same rate ({@code
 * upbeat.intake.samples.trace-rate}), or traces whose parts go through different instances are
 * broken.
 *
 * <p>A transaction of a trace that the hash does not keep is still sent in full when it is
 * interesting ({@link #interesting}): it failed (outcome {@code failure}) or took at least {@code
 * slowMs} ({@code upbeat.intake.samples.slow-ms}). This costs little (failures and slow requests
 * are few) and is what gives the processor's tail decision something to show: the processor records
 * such a trace as interesting and keeps, after a short window, the other transactions of that trace
 * (without their spans) that the hash did not keep, whichever app sent them. The rule depends on
 * the transaction alone, so it too is the same on every instance when the setting is.
 *
 * <p>Transactions without a trace id have no trace to keep whole; they keep the per-request choice
 * each receiver made before traces ({@link #perRequest}). Agent-java's own samples never come here:
 * their decision was made once at the trace's root and travels in {@code traceparent}.
 *
 * <p>Immutable and thread-safe; nothing is allocated for a decision.
 */
public final class TraceSampler {
  /** The share of traces kept in full when nothing is configured. */
  public static final double DEFAULT_RATE = 0.1;

  /**
   * The duration from which a transaction of a trace is sent in full whatever its trace's hash,
   * when nothing is configured.
   */
  public static final double DEFAULT_SLOW_MS = 1000;

  /** The default rate and slow threshold. */
  public static final TraceSampler DEFAULT = new TraceSampler(DEFAULT_RATE);

  private static final double TWO_TO_32 = 4_294_967_296.0;

  private final double rate;
  private final long threshold;
  private final double slowMs;

  /** As {@link #TraceSampler(double, double)} with the default slow threshold (1 s). */
  public TraceSampler(double rate) {
    this(rate, DEFAULT_SLOW_MS);
  }

  /**
   * @param rate the share of traces kept whole, 0 (none) to 1 (all)
   * @param slowMs a transaction of a trace lasting at least this long is sent in full whatever its
   *     trace's hash; must be positive (a very large value turns the rule off for slow ones)
   * @throws IllegalArgumentException for a rate outside [0, 1] or a threshold not above 0
   */
  public TraceSampler(double rate, double slowMs) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("trace rate must be between 0 and 1: " + rate);
    }
    if (!(slowMs > 0)) {
      throw new IllegalArgumentException("slow threshold must be above 0 ms: " + slowMs);
    }
    this.rate = rate;
    this.threshold = (long) Math.ceil(rate * TWO_TO_32);
    this.slowMs = slowMs;
  }

  public double rate() {
    return rate;
  }

  public double slowMs() {
    return slowMs;
  }

  /** Whether the transactions of trace {@code traceId} (not null) are sent in full. */
  public boolean keeps(String traceId) {
    return bucket(traceId) < threshold;
  }

  /**
   * Whether {@code t}, a transaction of a trace ({@code t.traceId()} not null), is sent in full:
   * its trace is kept ({@link #keeps(String)}), or it is {@linkplain #interesting interesting}.
   */
  public boolean keepsInFull(TransactionEvent t) {
    return keeps(t.traceId()) || interesting(t);
  }

  /**
   * Whether {@code t} failed (outcome {@code failure}) or lasted at least the slow threshold: what
   * makes the processor keep the rest of its trace (the tail decision).
   */
  public boolean interesting(TransactionEvent t) {
    return "failure".equals(t.outcome()) || t.durationMs() >= slowMs;
  }

  /** The trace's place in [0, 2^32): kept when below {@code rate x 2^32}. */
  static long bucket(String traceId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < traceId.length(); i++) {
      h ^= traceId.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h >>> 32;
  }

  /**
   * One request's choice: a transaction with a trace id by {@link #keepsInFull}; one without, the
   * first {@code perName} of its name in the request (failures up to twice that, as they are the
   * examples people look for). {@code perName} 0 keeps none without a trace id. Not thread-safe:
   * one per request.
   */
  public Choice perRequest(int perName) {
    return new Choice(perName);
  }

  /** See {@link #perRequest}. */
  public final class Choice {
    private final int perName;
    private Map<String, Integer> taken; // only for transactions without a trace id

    private Choice(int perName) {
      this.perName = perName;
    }

    /** Whether {@code t} is also sent in full. */
    public boolean keeps(TransactionEvent t) {
      if (t.traceId() != null) {
        return keepsInFull(t);
      }
      if (perName == 0) {
        return false;
      }
      if (taken == null) {
        taken = new HashMap<>();
      }
      int n = taken.merge(t.name(), 1, Integer::sum);
      return n <= perName || ("failure".equals(t.outcome()) && n <= 2 * perName);
    }
  }
}
