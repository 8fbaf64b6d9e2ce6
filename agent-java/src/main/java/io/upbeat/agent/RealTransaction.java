package io.upbeat.agent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/** A transaction being measured. Its setters may be called from any thread. */
final class RealTransaction implements Transaction {
  static final int MAX_SPANS = 1_000;

  private final Upbeat.Agent agent;
  private final RealTransaction previous;
  // Ids are made when first needed: most transactions are only counted, never sent.
  private String id;
  private final long startMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final List<Event.SpanData> spans = new ArrayList<>(4);
  private final Map<String, String> tags = new LinkedHashMap<>(4);
  private volatile boolean capturedError;
  private volatile String name;
  private final String type;
  private volatile String result;
  private volatile Outcome outcome;
  private volatile String userId;

  RealTransaction(Upbeat.Agent agent, String name, String type, RealTransaction previous) {
    this.agent = agent;
    this.name = name == null || name.isEmpty() ? "unnamed" : name;
    this.type = type == null || type.isEmpty() ? "custom" : type;
    this.previous = previous;
  }

  @Override
  public Transaction setName(String name) {
    if (name != null && !name.isEmpty()) {
      this.name = name;
    }
    return this;
  }

  @Override
  public Transaction setResult(String result) {
    this.result = result;
    return this;
  }

  @Override
  public Transaction setOutcome(Outcome outcome) {
    this.outcome = outcome;
    return this;
  }

  @Override
  public Transaction setUser(String id) {
    this.userId = id;
    return this;
  }

  @Override
  public Transaction setTag(String key, String value) {
    if (key != null && value != null) {
      synchronized (tags) {
        tags.put(key, value);
      }
    }
    return this;
  }

  @Override
  public Span startSpan(String name, String type) {
    long spanStart = System.nanoTime();
    AtomicBoolean spanEnded = new AtomicBoolean();
    return () -> {
      if (spanEnded.compareAndSet(false, true) && !ended.get()) {
        long now = System.nanoTime();
        synchronized (spans) {
          if (spans.size() < MAX_SPANS) {
            spans.add(
                new Event.SpanData(
                    name == null ? "span" : name,
                    type == null ? "custom" : type,
                    (spanStart - startNanos) / 1e6,
                    (now - spanStart) / 1e6));
          }
        }
      }
    };
  }

  @Override
  public void captureException(Throwable error) {
    if (error != null) {
      capturedError = true;
      Map<String, String> t;
      synchronized (tags) {
        t = Map.copyOf(tags);
      }
      reportError(agent, error, id(), name, t, userId);
    }
  }

  /** This transaction's id, made on first use (errors and samples refer to it). */
  synchronized String id() {
    if (id == null) {
      id = hex(8);
    }
    return id;
  }

  static void reportError(
      Upbeat.Agent agent,
      Throwable error,
      String transactionId,
      String transactionName,
      Map<String, String> tags,
      String userId) {
    Frames.ExceptionData data = agent.frames().of(error);
    agent
        .reporter()
        .offer(
            new Event.Error(
                hex(8),
                Instant.now(),
                transactionId,
                transactionName,
                Frames.culprit(data),
                data,
                tags,
                userId));
  }

  @Override
  public void end() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    double duration = (System.nanoTime() - startNanos) / 1e6;
    Outcome o = outcome;
    String r = result;
    // The same rule as the processor's: the agent's outcome, else an HTTP 5xx result.
    boolean failed = o != null ? o == Outcome.FAILURE : r != null && r.startsWith("HTTP 5");
    String n = name;
    boolean sample = agent.metrics().record(n, type, startMillis, duration, failed, capturedError);
    if (sample) {
      List<Event.SpanData> s;
      synchronized (spans) {
        s = List.copyOf(spans);
      }
      Map<String, String> t;
      synchronized (tags) {
        t = Map.copyOf(tags);
      }
      agent
          .reporter()
          .offer(
              new Event.Txn(
                  id(),
                  hex(16),
                  n,
                  type,
                  Instant.ofEpochMilli(startMillis),
                  duration,
                  r,
                  o == null ? null : o.wire,
                  s,
                  t,
                  userId,
                  true));
    }
    Upbeat.ended(this, previous);
  }

  @Override
  public boolean isNoop() {
    return false;
  }

  private static final java.util.HexFormat HEX = java.util.HexFormat.of();

  /** A random id of {@code bytes} bytes (8: a transaction or error id, 16: a trace id), as hex. */
  static String hex(int bytes) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String first = HEX.toHexDigits(r.nextLong());
    return bytes <= 8 ? first : first + HEX.toHexDigits(r.nextLong());
  }
}
