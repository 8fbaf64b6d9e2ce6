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
  // Ids are random numbers drawn at the start (cheap) and written as hex only when first needed:
  // most transactions are only counted, never sent. The strings are made from final fields, so
  // threads racing to make one make the same one.
  private final long idBits = nonZeroLong();
  private String id;
  // A root's trace id, drawn likewise; a transaction that continues a trace has its caller's.
  private final long traceHigh;
  private final long traceLow;
  private String traceId;
  // The caller's span (from traceparent), null at a root.
  private final String parentId;
  private final String tracestate;
  private final boolean sampled;
  private final long startMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  // The newest span started and not ended (guarded by this); each span links to the one that was
  // open when it started, so that a span's parent is found by walking back to the newest one open
  // on its own thread.
  private RealSpan open;
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
      RealTransaction previous,
      TraceContext caller) {
    this.agent = agent;
    if (caller != null) {
      this.traceId = caller.traceId();
      this.traceHigh = 0;
      this.traceLow = 0;
      this.parentId = caller.parentId();
      this.tracestate = caller.tracestate();
      this.sampled = caller.sampled();
    } else {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      this.traceHigh = r.nextLong();
      this.traceLow = nonZeroLong();
      this.parentId = null;
      this.tracestate = null;
      this.sampled = agent.sampler().sampleRoot(startNanos);
    }
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
    Thread thread = Thread.currentThread();
    synchronized (this) {
      RealSpan enclosing = openOn(thread);
      RealSpan s = new RealSpan(name, type, thread, open, enclosing == null ? 0 : enclosing.id);
      open = s;
      return s;
    }
  }

  /** The newest span open on {@code thread}, or null. */
  private RealSpan openOn(Thread thread) {
    assert Thread.holdsLock(this);
    for (RealSpan s = open; s != null; s = s.before) {
      if (!s.spanEnded && s.owner == thread) {
        return s;
      }
    }
    return null;
  }

  /** The id of the newest span open on this thread, else this transaction's, as hex. */
  private String currentParentId() {
    RealSpan s;
    synchronized (this) {
      s = openOn(Thread.currentThread());
    }
    return s == null ? id() : hex16(s.id);
  }

  /** A span of this transaction: kept when it ends, once, if the transaction has not ended. */
  private final class RealSpan implements Span {
    private final long id = nonZeroLong();
    // The enclosing span's id, 0 when it is the transaction.
    private final long parent;
    private final String name;
    private final String type;
    private final Thread owner;
    // The span open when this one started, on whatever thread (the chain openOn walks).
    private final RealSpan before;
    private final long start = System.nanoTime();
    private volatile String destination;
    private volatile Outcome outcome;
    private boolean spanEnded; // guarded by the transaction

    RealSpan(String name, String type, Thread owner, RealSpan before, long parent) {
      this.name = name;
      this.type = type;
      this.owner = owner;
      this.before = before;
      this.parent = parent;
    }

    @Override
    public Span setDestination(String destination) {
      this.destination = destination == null ? null : cut(destination, MAX_VALUE_CHARS);
      return this;
    }

    @Override
    public Span setOutcome(Outcome outcome) {
      this.outcome = outcome;
      return this;
    }

    @Override
    public String traceparent() {
      return TraceContext.traceparent(traceId(), hex16(id), sampled);
    }

    @Override
    public void end() {
      long now = System.nanoTime();
      synchronized (RealTransaction.this) {
        if (spanEnded) {
          return;
        }
        spanEnded = true;
        if (open == this) {
          RealSpan s = before;
          while (s != null && s.spanEnded) {
            s = s.before;
          }
          open = s;
        }
        if (!ended) {
          keep(now);
        }
      }
      String d = destination;
      if (d != null) {
        // Every exit call is counted, whether or not its transaction is sent or still open.
        agent
            .destinations()
            .record(
                d,
                startMillis + (start - startNanos) / 1_000_000,
                (now - start) / 1e6,
                outcome == Outcome.FAILURE);
      }
    }

    /** Adds it to the transaction's spans, up to {@link #MAX_SPANS}. */
    private void keep(long now) {
      assert Thread.holdsLock(RealTransaction.this);
      if (spans == null) {
        spans = new ArrayList<>(4);
      }
      if (spans.size() < MAX_SPANS) {
        Outcome o = outcome;
        spans.add(
            new Event.SpanData(
                id,
                parent,
                name == null ? "span" : name,
                type == null ? "custom" : type,
                (start - startNanos) / 1e6,
                (now - start) / 1e6,
                destination,
                o == null ? null : o.wire));
      }
    }
  }

  @Override
  public void captureException(Throwable error) {
    if (error != null) {
      capturedError = true;
      reportError(agent, error, traceId(), id(), currentParentId(), name(), tags(), user, request);
    }
  }

  private synchronized Map<String, String> tags() {
    return tags == null ? Map.of() : Map.copyOf(tags);
  }

  private synchronized List<Event.SpanData> spans() {
    return spans == null ? List.of() : List.copyOf(spans);
  }

  /** This transaction's id, 16 hex digits (errors, samples and its callees refer to it). */
  String id() {
    String s = id;
    if (s == null) {
      s = hex16(idBits);
      id = s;
    }
    return s;
  }

  @Override
  public String traceId() {
    String s = traceId;
    if (s == null) {
      s = hex16(traceHigh) + hex16(traceLow);
      traceId = s;
    }
    return s;
  }

  @Override
  public boolean isSampled() {
    return sampled;
  }

  @Override
  public String traceparent() {
    return TraceContext.traceparent(traceId(), currentParentId(), sampled);
  }

  @Override
  public String tracestate() {
    return tracestate;
  }

  static void reportError(
      Upbeat.Agent agent,
      Throwable error,
      String traceId,
      String transactionId,
      String parentId,
      String transactionName,
      Map<String, String> tags,
      Event.User user,
      Event.Request request) {
    Frames.ExceptionData data = agent.frames().of(error);
    agent
        .reporter()
        .offer(
            new Event.Error(
                hex16(nonZeroLong()),
                Instant.now(),
                traceId,
                transactionId,
                parentId,
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
    boolean sample =
        agent.metrics().record(n, type, startMillis, duration, failed, capturedError, sampled);
    if (sample) {
      List<Event.SpanData> s = spans();
      Map<String, String> t = tags();
      agent
          .reporter()
          .offer(
              new Event.Txn(
                  id(),
                  traceId(),
                  parentId,
                  n,
                  type,
                  Instant.ofEpochMilli(startMillis),
                  duration,
                  r,
                  o == null ? null : o.wire,
                  s,
                  t,
                  userId,
                  true,
                  sampled));
    }
    Upbeat.deactivated(this);
  }

  @Override
  public boolean isNoop() {
    return false;
  }

  private static final java.util.HexFormat HEX = java.util.HexFormat.of();

  /** 16 lowercase hex digits. */
  static String hex16(long bits) {
    return HEX.toHexDigits(bits);
  }

  /** A random id: never zero, which W3C Trace Context reserves for "no id". */
  static long nonZeroLong() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long v;
    do {
      v = r.nextLong();
    } while (v == 0);
    return v;
  }
}
