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
  record Agent(UpbeatConfig config, Frames frames, Reporter reporter, TransactionMetrics metrics) {}

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
    agent =
        new Agent(
            config,
            new Frames(config.appPackages),
            new Reporter(config, transport, metrics),
            metrics);
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
    return begin(a, name == null || name.isEmpty() ? "unnamed" : name, null, null, type);
  }

  /**
   * Begins a transaction named by {@code namer} from {@code source}, asked whenever the name is
   * needed until the transaction ends or is {@linkplain Transaction#setName named}: when an error
   * is captured, and once when it ends. For integrations that learn the name during the work: a web
   * framework's route, known once the request has been matched. The namer must be cheap, must not
   * fail, and is best a constant (a request then allocates nothing for it); a null or empty name
   * counts as {@code unnamed}.
   */
  @SuppressWarnings("unchecked")
  public static <T> Transaction beginTransaction(
      String type, T source, java.util.function.Function<? super T, String> namer) {
    Agent a = agent;
    if (a == null) {
      return NoopTransaction.INSTANCE;
    }
    return namer == null
        ? begin(a, "unnamed", null, null, type)
        : begin(a, null, source, (java.util.function.Function<Object, String>) namer, type);
  }

  /** Begins a transaction within this thread's current one and makes it the current one. */
  private static RealTransaction begin(
      Agent a,
      String name,
      Object source,
      java.util.function.Function<Object, String> namer,
      String type) {
    Slot slot = SLOT.get();
    RealTransaction t = new RealTransaction(a, name, source, namer, type, slot, slot.own());
    slot.current = t;
    return t;
  }

  /** This thread's current transaction, or the no-op one. */
  public static Transaction currentTransaction() {
    RealTransaction t = SLOT.get().current();
    return t == null ? NoopTransaction.INSTANCE : t;
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
      RealTransaction.reportError(a, error, null, null, null, null, null);
    }
  }

  /**
   * Wraps a JDK HTTP client so that each call made within a transaction is a span ({@code GET
   * host:port}, type {@code external.http}). Calls outside a transaction, or with the agent
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
