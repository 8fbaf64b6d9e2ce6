package io.upbeat.agent;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * The agent's entry point. Start it once ({@link #start} or {@link #startFromEnvironment}), then
 * begin a transaction when a request starts and end it when it ends: the transaction is the
 * thread's current one in between (virtual threads included), so {@link #captureException} and
 * {@link #currentTransaction} find it. Before start, and after {@link #stop}, everything is a
 * no-op: an application never fails because of its agent.
 */
public final class Upbeat {
  private static final Logger log = Logger.getLogger("io.upbeat.agent");
  private static final ThreadLocal<Slot> SLOT = ThreadLocal.withInitial(Slot::new);
  private static volatile Agent agent;

  private Upbeat() {}

  /**
   * A thread's current transaction. Each thread gets one slot, once; beginning and ending a
   * transaction then read the thread-local and write a field. Setting and removing a thread-local
   * on every request cost more than the rest of beginning and ending did (JFR profile of the
   * example app): each removal rehashes the thread's map and the next request re-inserts.
   */
  static final class Slot {
    final Thread owner = Thread.currentThread();
    // The transactions begun on this thread, newest first (through each one's previous).
    RealTransaction current;
    // Transactions of other threads made current here by Transaction.activate(), newest first.
    // While one is active, `current` holds only what was begun within it.
    Activation activated;

    /**
     * The newest transaction begun on this thread that is still its current one, skipping any that
     * ended on another thread or were detached.
     */
    RealTransaction own() {
      RealTransaction t = current;
      while (t != null && t.isInactive()) {
        t = t.previous;
      }
      return t;
    }

    /** The current transaction: begun here, else activated here (and not ended since). */
    RealTransaction current() {
      RealTransaction t = own();
      if (t == null) {
        for (Activation a = activated; a != null; a = a.previous) {
          if (!a.closed && !a.transaction.isEnded()) {
            return a.transaction;
          }
        }
      }
      return t;
    }
  }

  /**
   * A transaction made current on a thread by {@link Transaction#activate()}, until closed. What
   * was current on the thread before is put aside and comes back when it closes.
   */
  static final class Activation implements Transaction.Scope {
    final Slot slot;
    final RealTransaction transaction;
    final Activation previous;
    private final RealTransaction putAside;
    boolean closed;

    Activation(Slot slot, RealTransaction transaction) {
      this.slot = slot;
      this.transaction = transaction;
      this.previous = slot.activated;
      this.putAside = slot.current;
      slot.current = null;
      slot.activated = this;
    }

    @Override
    public void close() {
      if (closed || slot.owner != Thread.currentThread()) {
        return;
      }
      closed = true;
      if (slot.activated == this) {
        slot.activated = previous;
        slot.current = putAside;
      }
    }
  }

  /** Makes {@code t} current on this thread until the returned scope closes. */
  static Transaction.Scope activate(RealTransaction t) {
    return new Activation(SLOT.get(), t);
  }

  /** The running agent: configuration, frame classifier and reporter. */
  record Agent(
      UpbeatConfig config,
      Frames frames,
      Reporter reporter,
      TransactionMetrics metrics,
      DestinationMetrics destinations,
      TraceSampler sampler) {}

  /** Starts reporting with this configuration; a second start is ignored (logged). */
  public static synchronized void start(UpbeatConfig config) {
    start(config, new HttpTransport(config));
  }

  static synchronized void start(UpbeatConfig config, Reporter.Transport transport) {
    if (agent != null) {
      log.warning("Upbeat agent already started; ignoring the second start");
      return;
    }
    TransactionMetrics metrics =
        new TransactionMetrics(config.maxMetricCells, config.samplesPerMinute);
    DestinationMetrics destinations = new DestinationMetrics(config.maxDestinationCells);
    agent =
        new Agent(
            config,
            new Frames(config.appPackages),
            new Reporter(config, transport, metrics, destinations),
            metrics,
            destinations,
            new TraceSampler(config.tracesPerSecond, config.traceSampleRate, System.nanoTime()));
    Runtime.getRuntime().addShutdownHook(new Thread(Upbeat::stop, "upbeat-shutdown"));
    log.info("Upbeat agent reporting " + config.serviceName + " to " + config.serverUrl);
  }

  /**
   * Starts from the {@code UPBEAT_*} environment variables (see {@link
   * UpbeatConfig#fromEnvironment}).
   */
  public static void startFromEnvironment() {
    start(UpbeatConfig.fromEnvironment(System.getenv()));
  }

  /** Sends what is queued (waiting at most 5 seconds) and stops; the API becomes a no-op. */
  public static synchronized void stop() {
    Agent a = agent;
    agent = null;
    if (a != null) {
      a.reporter().close(Duration.ofSeconds(5));
    }
  }

  public static boolean isStarted() {
    return agent != null;
  }

  /** Begins a transaction and makes it this thread's current one until it ends. */
  public static Transaction beginTransaction(String name, String type) {
    Agent a = agent;
    if (a == null) {
      return NoopTransaction.INSTANCE;
    }
    return begin(a, name == null || name.isEmpty() ? "unnamed" : name, null, null, type, null);
  }

  /**
   * Begins a transaction that continues the trace of the call it serves, from that call's W3C Trace
   * Context headers (for an application that receives calls without the Spring Boot starter): it
   * joins the caller's trace, under the caller's span, and takes the caller's sampled flag; {@code
   * tracestate} is forwarded unchanged on the calls it makes. Without a {@code traceparent}, or
   * with a malformed one, it starts a new trace, as {@link #beginTransaction(String, String)} does.
   *
   * @param traceparent the {@code traceparent} header's value, or null
   * @param tracestate the {@code tracestate} header's value (several headers joined with commas),
   *     or null
   */
  public static Transaction beginTransaction(
      String name, String type, String traceparent, String tracestate) {
    Agent a = agent;
    if (a == null) {
      return NoopTransaction.INSTANCE;
    }
    return begin(
        a,
        name == null || name.isEmpty() ? "unnamed" : name,
        null,
        null,
        type,
        TraceContext.parse(traceparent, tracestate));
  }

  /**
   * Begins a transaction named by {@code namer} from {@code source}, asked whenever the name is
   * needed until the transaction ends or is {@linkplain Transaction#setName named}: when an error
   * is captured, and once when it ends. For integrations that learn the name during the work: a web
   * framework's route, known once the request has been matched. The namer must be cheap, must not
   * fail, and is best a constant (a request then allocates nothing for it); a null or empty name
   * counts as {@code unnamed}.
   */
  public static <T> Transaction beginTransaction(
      String type, T source, java.util.function.Function<? super T, String> namer) {
    return beginTransaction(type, source, namer, null, null);
  }

  /**
   * Begins a transaction named by {@code namer} (as {@link #beginTransaction(String, Object,
   * java.util.function.Function)}) that continues the trace in {@code traceparent} and {@code
   * tracestate} (as {@link #beginTransaction(String, String, String, String)}): for framework
   * integrations, such as the Spring Boot starter's servlet filter.
   */
  @SuppressWarnings("unchecked")
  public static <T> Transaction beginTransaction(
      String type,
      T source,
      java.util.function.Function<? super T, String> namer,
      String traceparent,
      String tracestate) {
    Agent a = agent;
    if (a == null) {
      return NoopTransaction.INSTANCE;
    }
    TraceContext caller = traceparent == null ? null : TraceContext.parse(traceparent, tracestate);
    return namer == null
        ? begin(a, "unnamed", null, null, type, caller)
        : begin(a, null, source, (java.util.function.Function<Object, String>) namer, type, caller);
  }

  /** Begins a transaction within this thread's current one and makes it the current one. */
  private static RealTransaction begin(
      Agent a,
      String name,
      Object source,
      java.util.function.Function<Object, String> namer,
      String type,
      TraceContext caller) {
    Slot slot = SLOT.get();
    RealTransaction t = new RealTransaction(a, name, source, namer, type, slot, slot.own(), caller);
    slot.current = t;
    return t;
  }

  /** This thread's current transaction, or the no-op one. */
  public static Transaction currentTransaction() {
    RealTransaction t = SLOT.get().current();
    return t == null ? NoopTransaction.INSTANCE : t;
  }

  /**
   * The W3C {@code traceparent} header value for an outgoing call made now on this thread: the
   * current transaction's trace and sampled flag, with the newest span open on this thread (else
   * the transaction) as the callee's parent. Null outside a transaction. For HTTP or messaging
   * clients the agent does not instrument: start an exit span for the call, then set this header
   * (and {@link #currentTracestate()}, when not null) on its request.
   */
  public static String currentTraceparent() {
    RealTransaction t = SLOT.get().current();
    return t == null ? null : t.traceparent();
  }

  /**
   * The {@code tracestate} header value to forward on an outgoing call made now on this thread, as
   * the current transaction received it; null when there is none.
   */
  public static String currentTracestate() {
    RealTransaction t = SLOT.get().current();
    return t == null ? null : t.tracestate();
  }

  /** Reports an exception, as an error of the current transaction if there is one. */
  public static void captureException(Throwable error) {
    Agent a = agent;
    if (a == null || error == null) {
      return;
    }
    RealTransaction t = SLOT.get().current();
    if (t != null) {
      t.captureException(error);
    } else {
      RealTransaction.reportError(a, error, null, null, null, null, null, null, null);
    }
  }

  /**
   * Wraps a JDK HTTP client so that each call made within a transaction is a span ({@code GET
   * host:port}, type {@code external.http}, destination {@code host:port}, outcome by the status)
   * whose W3C {@code traceparent} (and the transaction's {@code tracestate}) the request carries,
   * so the service called continues the trace. Calls outside a transaction, or with the agent
   * stopped, go straight through.
   */
  public static java.net.http.HttpClient instrument(java.net.http.HttpClient client) {
    return client instanceof TracedHttpClient ? client : new TracedHttpClient(client);
  }

  /** Events queued, sent, dropped, refused by intake, and retries so far (zeros when stopped). */
  public static String stats() {
    Agent a = agent;
    return a == null ? "not started" : a.reporter().stats().toString();
  }

  static Reporter.Stats reporterStats() {
    Agent a = agent;
    return a == null ? new Reporter.Stats(0, 0, 0, 0, 0, 0) : a.reporter().stats();
  }

  /**
   * Called by a transaction when it ends or is detached: on its own thread, the transaction it was
   * begun within becomes current again. (Ended on another thread, or detached while a transaction
   * begun within it was current, it is skipped when its thread next looks.)
   */
  static void deactivated(RealTransaction t) {
    Slot slot = t.slot;
    if (slot.owner == Thread.currentThread() && slot.current == t) {
      slot.current = t.previous;
    }
  }
}
