package io.upbeat.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/** A transaction being measured. Its setters may be called from any thread. */
final class RealTransaction implements Transaction {
  static final int MAX_SPANS = 1_000;

  /** Bounds of {@link #setRequest}: an error's context stays within a few KiB. */
  static final int MAX_HEADERS = 32;

  static final int MAX_VALUE_CHARS = 256;
  static final int MAX_URL_CHARS = 2_048;

  private static final VarHandle ENDED;

  static {
    try {
      ENDED = MethodHandles.lookup().findVarHandle(RealTransaction.class, "ended", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Upbeat.Agent agent;
  // The thread's slot it is current in, and the transaction that was current there before it.
  final Upbeat.Slot slot;
  final RealTransaction previous;
  // Ids are made when first needed: most transactions are only counted, never sent.
  private String id;
  private final long startMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  // Set once, by the first end(): a field and a VarHandle rather than one more object per
  // request.
  private volatile boolean ended;
  // Set by detach(): no longer its thread's current transaction, though not ended.
  private volatile boolean detached;
  // Made when first needed (guarded by this): a request without spans or tags allocates neither.
  private List<Event.SpanData> spans;
  private Map<String, String> tags;
  private volatile boolean capturedError;
  // Null when the name comes from the namer until set: the namer is asked each time the name is
  // needed, as what it answers can change until the transaction ends (a route becomes known).
  private volatile String name;
  private final Object nameSource;
  private final Function<Object, String> namer;
  private final String type;
  private volatile String result;
  private volatile Outcome outcome;
  private volatile String userId;
  // Sent with errors only: set together, read together.
  private volatile Event.User user;
  private volatile Event.Request request;

  RealTransaction(
      Upbeat.Agent agent,
      String name,
      Object nameSource,
      Function<Object, String> namer,
      String type,
      Upbeat.Slot slot,
      RealTransaction previous) {
    this.agent = agent;
    this.name = name;
    this.nameSource = nameSource;
    this.namer = namer;
    this.type = type == null || type.isEmpty() ? "custom" : type;
    this.slot = slot;
    this.previous = previous;
  }

  boolean isEnded() {
    return ended;
  }

  @Override
  public Scope activate() {
    return ended ? NoopTransaction.INSTANCE : Upbeat.activate(this);
  }

  /** Whether it has ended or been detached: either way, no longer its thread's current one. */
  boolean isInactive() {
    return ended || detached;
  }

  @Override
  public Transaction detach() {
    if (!ended && slot.owner == Thread.currentThread()) {
      detached = true;
      Upbeat.deactivated(this);
    }
    return this;
  }

  @Override
  public Transaction setName(String name) {
    if (name != null && !name.isEmpty()) {
      this.name = name;
    }
    return this;
  }

  /** Its name: as set, else what the namer answers now (never null or empty). */
  private String name() {
    String n = name;
    if (n != null) {
      return n;
    }
    try {
      n = namer.apply(nameSource);
    } catch (RuntimeException e) {
      n = null; // An integration's namer must not fail the application's request.
    }
    return n == null || n.isEmpty() ? "unnamed" : n;
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
    return setUser(id, null, null);
  }

  @Override
  public Transaction setUser(String id, String email, String name) {
    this.userId = id;
    this.user =
        id == null && email == null && name == null
            ? null
            : new Event.User(
                cut(id, MAX_VALUE_CHARS), cut(email, MAX_VALUE_CHARS), cut(name, MAX_VALUE_CHARS));
    return this;
  }

  @Override
  public Transaction setRequest(String method, String url, Map<String, String> headers) {
    Map<String, String> kept = new LinkedHashMap<>();
    if (headers != null) {
      for (Map.Entry<String, String> h : headers.entrySet()) {
        if (kept.size() == MAX_HEADERS) {
          break;
        }
        if (h.getKey() != null && h.getValue() != null) {
          kept.put(cut(h.getKey(), MAX_VALUE_CHARS), cut(h.getValue(), MAX_VALUE_CHARS));
        }
      }
    }
    this.request = new Event.Request(cut(method, 32), cut(url, MAX_URL_CHARS), kept);
    return this;
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }

  @Override
  public Transaction setTag(String key, String value) {
    if (key != null && value != null) {
      synchronized (this) {
        if (tags == null) {
          tags = new LinkedHashMap<>(4);
        }
        tags.put(key, value);
      }
    }
    return this;
  }

  @Override
  public Span startSpan(String name, String type) {
    return new RealSpan(name, type);
  }

  /** A span of this transaction: kept when it ends, once, if the transaction has not ended. */
  private final class RealSpan implements Span {
    private final String name;
    private final String type;
    private final long start = System.nanoTime();
    private boolean spanEnded; // guarded by the transaction

    RealSpan(String name, String type) {
      this.name = name;
      this.type = type;
    }

    @Override
    public void end() {
      long now = System.nanoTime();
      synchronized (RealTransaction.this) {
        if (spanEnded || ended) {
          return;
        }
        spanEnded = true;
        if (spans == null) {
          spans = new ArrayList<>(4);
        }
        if (spans.size() < MAX_SPANS) {
          spans.add(
              new Event.SpanData(
                  name == null ? "span" : name,
                  type == null ? "custom" : type,
                  (start - startNanos) / 1e6,
                  (now - start) / 1e6));
        }
      }
    }
  }

  @Override
  public void captureException(Throwable error) {
    if (error != null) {
      capturedError = true;
      reportError(agent, error, id(), name(), tags(), user, request);
    }
  }

  private synchronized Map<String, String> tags() {
    return tags == null ? Map.of() : Map.copyOf(tags);
  }

  private synchronized List<Event.SpanData> spans() {
    return spans == null ? List.of() : List.copyOf(spans);
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
      Event.User user,
      Event.Request request) {
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
                user,
                request));
  }

  @Override
  public void end() {
    if (!ENDED.compareAndSet(this, false, true)) {
      return;
    }
    double duration = (System.nanoTime() - startNanos) / 1e6;
    Outcome o = outcome;
    String r = result;
    // The same rule as the processor's: the agent's outcome, else an HTTP 5xx result.
    boolean failed = o != null ? o == Outcome.FAILURE : r != null && r.startsWith("HTTP 5");
    String n = name();
    boolean sample = agent.metrics().record(n, type, startMillis, duration, failed, capturedError);
    if (sample) {
      List<Event.SpanData> s = spans();
      Map<String, String> t = tags();
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
    Upbeat.deactivated(this);
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
