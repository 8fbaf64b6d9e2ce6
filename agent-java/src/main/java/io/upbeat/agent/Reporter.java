package io.upbeat.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

/**
 * Sends events to intake without ever making the application wait: events go into a queue bounded
 * in count and in approximate bytes (when it is full they are dropped and counted), and one
 * background thread batches them (up to {@code maxBatch} events or {@code flushInterval}), gzips
 * each batch and posts it. Every {@code metricsInterval} the same thread drains the aggregated
 * {@link TransactionMetrics} and {@link DestinationMetrics} and posts them too. On 429, 503 and
 * network errors it retries a batch with exponential backoff and jitter, honouring {@code
 * Retry-After}, under one {@code Idempotency-Key} per batch (a random UUID) so a retry of a batch
 * intake had stored is counted once; a refused batch (400, 401, 413, ...) is dropped, never
 * retried. {@link #close} flushes what is queued and the last aggregates, bounded in time.
 */
final class Reporter implements AutoCloseable {
  private static final Logger log = Logger.getLogger("io.upbeat.agent");
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  /** Posts one gzipped batch; the answer's status and Retry-After seconds (or -1). */
  interface Transport {
    record Answer(int status, long retryAfterSeconds) {}

    /**
     * @param idempotencyKey the batch's {@code Idempotency-Key}: the same on every retry of the
     *     batch, so intake counts it once even when an earlier attempt was stored but its answer
     *     lost
     */
    Answer post(byte[] gzippedJson, String idempotencyKey) throws IOException;
  }

  /**
   * What the reporter did so far, for its log, its payloads and tests: events (samples, errors and
   * aggregates) queued, sent, dropped, refused, retries, and the bytes queued now.
   */
  record Stats(
      long queued, long sent, long dropped, long refused, long retries, long queuedBytes) {}

  /** Aggregates per request at most: well within intake's event and body limits. */
  private static final int AGGREGATES_PER_REQUEST = 1_000;

  private final UpbeatConfig config;
  private final Transport transport;
  private final BlockingQueue<Event> queue;
  private final TransactionMetrics metrics;
  private final DestinationMetrics destinations;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Thread sender;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private volatile boolean closing;
  private volatile long closeDeadline;
  private long lastLoggedDrops;

  Reporter(
      UpbeatConfig config,
      Transport transport,
      TransactionMetrics metrics,
      DestinationMetrics destinations) {
    this.config = config;
    this.transport = transport;
    this.metrics = metrics;
    this.destinations = destinations;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity);
    this.sender = new Thread(this::run, "upbeat-reporter");
    sender.setDaemon(true);
    sender.start();
  }

  /**
   * Queues an event; never blocks. Returns false (and counts a drop) when the queue is full, in
   * count or in bytes.
   */
  boolean offer(Event e) {
    long size = e.approximateBytes();
    if (closing || queuedBytes.addAndGet(size) > config.maxQueueBytes) {
      queuedBytes.addAndGet(-size);
      dropped.incrementAndGet();
      return false;
    }
    if (!queue.offer(e)) {
      queuedBytes.addAndGet(-size);
      dropped.incrementAndGet();
      return false;
    }
    queued.incrementAndGet();
    return true;
  }

  Stats stats() {
    return new Stats(
        queued.get(), sent.get(), dropped.get(), refused.get(), retries.get(), queuedBytes.get());
  }

  private void run() {
    List<Event> batch = new ArrayList<>();
    long nextMetrics = System.nanoTime() + config.metricsInterval.toNanos();
    while (!closing || !queue.isEmpty()) {
      try {
        if (System.nanoTime() - nextMetrics >= 0) {
          nextMetrics = System.nanoTime() + config.metricsInterval.toNanos();
          sendAggregates();
        }
        long untilMetrics = Math.max(1, nextMetrics - System.nanoTime());
        Event first =
            queue.poll(
                Math.min(untilMetrics, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = System.nanoTime() + config.flushInterval.toNanos();
        while (batch.size() < config.maxBatch && !closing) {
          long wait = deadline - System.nanoTime();
          if (wait <= 0) {
            break;
          }
          Event next = queue.poll(wait, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
          queue.drainTo(batch, config.maxBatch - batch.size());
        }
        queue.drainTo(batch, config.maxBatch - batch.size());
        long bytes = 0;
        for (Event e : batch) {
          bytes += e.approximateBytes();
        }
        queuedBytes.addAndGet(-bytes);
        deliver(gzip(payload(batch)), batch.size());
      } catch (InterruptedException e) {
        if (!closing) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (RuntimeException e) {
        log.log(Level.WARNING, "Upbeat reporter: unexpected failure; batch dropped", e);
        dropped.addAndGet(batch.size());
      } finally {
        batch.clear();
      }
      logDrops();
    }
    // Closing: the queue is empty; the last aggregates go out too.
    try {
      sendAggregates();
    } catch (InterruptedException | RuntimeException e) {
      log.log(Level.FINE, "Upbeat reporter: last aggregates not sent", e);
    }
  }

  /**
   * Drains the aggregated transaction and destination metrics and posts them, in requests of at
   * most {@value #AGGREGATES_PER_REQUEST} aggregates of either kind.
   */
  private void sendAggregates() throws InterruptedException {
    long now = System.currentTimeMillis();
    List<TransactionMetrics.Aggregate> txns = metrics.drain(now);
    List<DestinationMetrics.Aggregate> calls = destinations.drain(now);
    int t = 0;
    int d = 0;
    while (t < txns.size() || d < calls.size()) {
      int takeTxns = Math.min(txns.size() - t, AGGREGATES_PER_REQUEST);
      int takeCalls = Math.min(calls.size() - d, AGGREGATES_PER_REQUEST - takeTxns);
      List<TransactionMetrics.Aggregate> txnChunk = txns.subList(t, t + takeTxns);
      List<DestinationMetrics.Aggregate> callChunk = calls.subList(d, d + takeCalls);
      t += takeTxns;
      d += takeCalls;
      queued.addAndGet(takeTxns + takeCalls);
      deliver(gzip(aggregatesPayload(txnChunk, callChunk)), takeTxns + takeCalls);
    }
  }

  /**
   * Sends a body, retrying what may succeed later, until it is sent, refused or closing ends; every
   * attempt carries the same idempotency key.
   */
  private void deliver(byte[] body, int events) throws InterruptedException {
    Duration backoff = FIRST_BACKOFF;
    String key = UUID.randomUUID().toString();
    while (true) {
      Transport.Answer answer;
      try {
        answer = transport.post(body, key);
      } catch (IOException e) {
        answer = new Transport.Answer(-1, -1);
        log.fine("Upbeat reporter: intake unreachable: " + e);
      }
      int s = answer.status();
      if (s / 100 == 2) {
        sent.addAndGet(events);
        return;
      }
      if (s != -1 && s != 429 && s != 503 && s != 502 && s != 504) {
        refused.addAndGet(events);
        log.warning(
            "Upbeat intake refused a batch of "
                + events
                + " events with HTTP "
                + s
                + "; dropped (check UPBEAT_SECRET_TOKEN and the agent version)");
        return;
      }
      if (closing && System.nanoTime() > closeDeadline) {
        dropped.addAndGet(events);
        return;
      }
      retries.incrementAndGet();
      long waitMillis =
          answer.retryAfterSeconds() >= 0
              ? TimeUnit.SECONDS.toMillis(answer.retryAfterSeconds())
              : (long) (backoff.toMillis() * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
      waitMillis = Math.min(waitMillis, config.maxBackoff.toMillis());
      if (closing) {
        waitMillis =
            Math.min(waitMillis, Math.max(0, (closeDeadline - System.nanoTime()) / 1_000_000));
      }
      Thread.sleep(waitMillis);
      backoff =
          backoff.multipliedBy(2).compareTo(config.maxBackoff) > 0
              ? config.maxBackoff
              : backoff.multipliedBy(2);
    }
  }

  /** The request body: the service, the batch's events, and the agent's own counters. */
  String payload(List<Event> batch) {
    Json j = new Json(256 * batch.size() + 256);
    service(j);
    j.name("transactions").beginArray();
    for (Event e : batch) {
      if (e instanceof Event.Txn) {
        e.write(j);
      }
    }
    j.endArray().name("errors").beginArray();
    for (Event e : batch) {
      if (e instanceof Event.Error) {
        e.write(j);
      }
    }
    j.endArray();
    agentStats(j);
    return j.endObject().toString();
  }

  /**
   * A request of aggregates: the service, its {@code transaction_metrics} and its {@code
   * destination_metrics} (either may be empty).
   */
  String aggregatesPayload(
      List<TransactionMetrics.Aggregate> aggregates,
      List<DestinationMetrics.Aggregate> destinationAggregates) {
    Json j = new Json(512 * (aggregates.size() + destinationAggregates.size()) + 256);
    service(j);
    j.name("transaction_metrics").beginArray();
    for (TransactionMetrics.Aggregate a : aggregates) {
      a.write(j);
    }
    j.endArray().name("destination_metrics").beginArray();
    for (DestinationMetrics.Aggregate a : destinationAggregates) {
      a.write(j);
    }
    j.endArray();
    agentStats(j);
    return j.endObject().toString();
  }

  private void service(Json j) {
    j.beginObject().name("service").beginObject().field("name", config.serviceName);
    j.field("environment", config.environment).field("version", config.serviceVersion);
    j.name("agent")
        .beginObject()
        .field("name", "upbeat-java")
        .field("version", Version.VALUE)
        .endObject();
    j.field("language", "java").field("host", config.host).endObject();
  }

  private void agentStats(Json j) {
    // Intake ignores unknown fields; kept for whoever inspects the traffic.
    Stats s = stats();
    j.name("agent_stats").beginObject();
    j.name("dropped").value(s.dropped()).name("retries").value(s.retries());
    j.name("folded_transactions").value(metrics.folded());
    j.name("folded_destinations").value(destinations.folded()).endObject();
  }

  private static byte[] gzip(String json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length() / 4 + 64);
    try (GZIPOutputStream gz =
        new GZIPOutputStream(out) {
          {
            // The fastest level: the batch leaves the app's machine, CPU is what the app needs.
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
          }
        }) {
      gz.write(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot happen in memory", e);
    }
    return out.toByteArray();
  }

  private void logDrops() {
    long d = dropped.get();
    if (d > lastLoggedDrops) {
      log.warning(
          "Upbeat reporter: " + d + " events dropped so far (queue full or intake refusing)");
      lastLoggedDrops = d;
    }
  }

  /** Stops accepting events and sends what is queued, waiting at most {@code timeout}. */
  void close(Duration timeout) {
    closeDeadline = System.nanoTime() + timeout.toNanos();
    closing = true;
    try {
      sender.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sender.isAlive()) {
      sender.interrupt();
    }
    long left = queue.size();
    if (left > 0) {
      dropped.addAndGet(left);
      queue.clear();
      queuedBytes.set(0);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
