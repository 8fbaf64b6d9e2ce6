package io.upbeat.intake.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes requests' records to Kafka atomically and durably, many requests per Kafka transaction.
 *
 * <p>A request's record is either in a committed transaction (the request may answer 202) or in
 * none (it answers 503): consumers read with {@code isolation.level=read_committed}, so an aborted
 * transaction's records are never seen, even those the broker had written. One worker thread per
 * transactional producer gathers what is waiting (up to {@code maxRecords}, waiting at most {@code
 * linger} after the first), sends it in one transaction and commits; the commit waits for every
 * in-sync replica ({@code acks=all}). Any failure aborts the whole transaction and fails every
 * request in it; a broken producer is replaced by a new one.
 *
 * <p>A request that is still waiting when its deadline passes is withdrawn before any worker takes
 * it, so it is never written after its caller was told 503.
 */
public final class GroupCommitPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitPublisher.class);

  /** The outcome of {@link #publish}. */
  public enum Outcome {
    /** In a committed transaction. */
    COMMITTED,
    /** Not written: Kafka failed, or the deadline passed before a worker took it. */
    FAILED,
    /** The queue is full: not written. */
    REJECTED
  }

  private final BlockingQueue<Pending> queue;
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final int maxRecords;
  private final Duration linger;
  private final Duration deadline;
  private final Duration settleGrace;
  private final PublisherMetrics metrics;

  /**
   * @param producers makes the transactional producer of the worker with the given index (0 to
   *     {@code workerCount - 1}), called again for that worker after its producer breaks: the same
   *     index must always get the same transactional id, so that the new producer fences the
   *     transaction its predecessor (in this process or a crashed one) left open
   * @param workerCount concurrent transactions
   * @param settleGrace how long past its deadline a request already inside a transaction waits for
   *     that transaction's outcome
   */
  public GroupCommitPublisher(
      IntFunction<Producer<byte[], byte[]>> producers,
      int workerCount,
      int queueCapacity,
      int maxRecords,
      Duration linger,
      Duration deadline,
      Duration settleGrace,
      PublisherMetrics metrics) {
    if (workerCount < 1 || queueCapacity < 1 || maxRecords < 1) {
      throw new IllegalArgumentException(
          "workers, queue capacity and max records must be positive: %d %d %d"
              .formatted(workerCount, queueCapacity, maxRecords));
    }
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.maxRecords = maxRecords;
    this.linger = linger;
    this.deadline = deadline;
    this.settleGrace = settleGrace;
    this.metrics = metrics;
    metrics.queueDepth(queue::size);
    for (int i = 0; i < workerCount; i++) {
      Worker worker = new Worker(producers, i);
      Thread t = Thread.ofPlatform().daemon().name("intake-publisher-" + i).unstarted(worker);
      workers.add(t);
      t.start();
    }
  }

  /**
   * Publishes {@code record} and waits for the outcome until the deadline (then, if a transaction
   * already holds the record, up to the settle grace more): never longer than their sum.
   */
  public Outcome publish(ProducerRecord<byte[], byte[]> record) {
    return publish(List.of(record));
  }

  /**
   * Publishes {@code records} together: all in one Kafka transaction or none (a request that
   * becomes several records, such as an OTLP request from several services).
   */
  public Outcome publish(List<ProducerRecord<byte[], byte[]>> records) {
    if (records.isEmpty()) {
      throw new IllegalArgumentException("nothing to publish");
    }
    long start = System.nanoTime();
    Pending p = new Pending(List.copyOf(records), start + deadline.toNanos());
    if (!running.get() || !queue.offer(p)) {
      metrics.rejected();
      return Outcome.REJECTED;
    }
    try {
      p.result.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
      metrics.enqueued(System.nanoTime() - start);
      return Outcome.COMMITTED;
    } catch (TimeoutException e) {
      if (p.state.compareAndSet(Pending.WAITING, Pending.WITHDRAWN)) {
        queue.remove(p);
        metrics.timedOut();
        return Outcome.FAILED;
      }
      return settle(p, start);
    } catch (ExecutionException e) {
      return Outcome.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return p.state.compareAndSet(Pending.WAITING, Pending.WITHDRAWN)
          ? Outcome.FAILED
          : settle(p, start);
    }
  }

  /** A worker has the record: its transaction will commit or abort shortly. */
  private Outcome settle(Pending p, long start) {
    try {
      p.result.get(settleGrace.toNanos(), TimeUnit.NANOSECONDS);
      metrics.enqueued(System.nanoTime() - start);
      return Outcome.COMMITTED;
    } catch (TimeoutException e) {
      // The transaction's fate is unknown; the caller must not claim success.
      log.warn("A Kafka transaction did not settle within {}; answering failure", settleGrace);
      metrics.timedOut();
      return Outcome.FAILED;
    } catch (ExecutionException e) {
      return Outcome.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    }
  }

  @Override
  public void close() {
    running.set(false);
    workers.forEach(Thread::interrupt);
    for (Thread t : workers) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.result.completeExceptionally(new IllegalStateException("publisher closed"));
    }
  }

  private static final class Pending {
    static final int WAITING = 0;
    static final int TAKEN = 1;
    static final int WITHDRAWN = 2;

    final List<ProducerRecord<byte[], byte[]>> records;
    final long deadlineNanos;
    final AtomicInteger state = new AtomicInteger(WAITING);
    final CompletableFuture<Void> result = new CompletableFuture<>();

    Pending(List<ProducerRecord<byte[], byte[]>> records, long deadlineNanos) {
      this.records = records;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final class Worker implements Runnable {
    private final IntFunction<Producer<byte[], byte[]>> factory;
    private final int index;
    private Producer<byte[], byte[]> producer;

    Worker(IntFunction<Producer<byte[], byte[]>> factory, int index) {
      this.factory = factory;
      this.index = index;
    }

    @Override
    public void run() {
      try {
        while (running.get()) {
          // A producer first: requests are taken only when they can be sent at once, so the
          // time a producer needs to start never eats into a taken request's grace.
          if (!ready()) {
            Thread.sleep(200);
            continue;
          }
          List<Pending> batch = take();
          if (batch.isEmpty()) {
            continue;
          }
          commit(batch);
        }
      } catch (InterruptedException e) {
        // Closing.
      } finally {
        discardProducer();
      }
    }

    /** What is waiting: blocks for the first request, then gathers for up to the linger time. */
    private List<Pending> take() throws InterruptedException {
      List<Pending> batch = new ArrayList<>();
      Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
      if (first == null) {
        return batch;
      }
      claim(first, batch);
      long until = System.nanoTime() + linger.toNanos();
      while (batch.size() < maxRecords) {
        Pending next = queue.poll();
        if (next == null) {
          long left = until - System.nanoTime();
          if (left <= 0) {
            break;
          }
          next = queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
        }
        claim(next, batch);
      }
      return batch;
    }

    private void claim(Pending p, List<Pending> batch) {
      if (p.state.compareAndSet(Pending.WAITING, Pending.TAKEN)) {
        batch.add(p);
      }
    }

    private void commit(List<Pending> batch) {
      long start = System.nanoTime();
      long earliestDeadline = Long.MAX_VALUE;
      for (Pending p : batch) {
        earliestDeadline = Math.min(earliestDeadline, p.deadlineNanos);
      }
      try {
        Producer<byte[], byte[]> kafka = producer();
        kafka.beginTransaction();
        List<java.util.concurrent.Future<RecordMetadata>> sends = new ArrayList<>(batch.size());
        for (Pending p : batch) {
          for (ProducerRecord<byte[], byte[]> r : p.records) {
            sends.add(kafka.send(r));
          }
        }
        kafka.flush();
        if (System.nanoTime() - earliestDeadline > 0) {
          // A waiter may already be giving up: never commit what it may report as failed.
          throw new TimeoutException("past the request deadline before commit");
        }
        kafka.commitTransaction(); // throws if any send failed
        for (var f : sends) {
          f.get(); // already complete after a successful commit
        }
        batch.forEach(p -> p.result.complete(null));
        metrics.committed(batch.size(), System.nanoTime() - start);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(batch, e);
      } catch (Exception e) {
        fail(batch, e);
      }
    }

    private void fail(List<Pending> batch, Exception e) {
      log.warn("Kafka transaction of {} requests failed: {}", batch.size(), e.toString());
      if (e instanceof ProducerFencedException || e.getCause() instanceof ProducerFencedException) {
        // Only a producer with the same transactional id fences this one: another process.
        log.error(
            "Intake worker {}'s producer was fenced by another with its transactional id: two"
                + " running intake instances share upbeat.intake.instance-id (see"
                + " docs/operations.md, Kafka on a cluster)",
            index);
      }
      metrics.aborted(batch.size());
      if (producer != null) {
        try {
          producer.abortTransaction();
        } catch (RuntimeException abortFailure) {
          // The producer is unusable (fenced, or Kafka unreachable). Start over with a new
          // producer: with the same transactional id, it aborts the open transaction at once.
          discardProducer();
        }
      }
      batch.forEach(p -> p.result.completeExceptionally(e));
    }

    private boolean ready() {
      try {
        producer();
        return true;
      } catch (RuntimeException e) {
        log.warn("Kafka producer could not start: {}", e.toString());
        return false;
      }
    }

    private Producer<byte[], byte[]> producer() {
      if (producer == null) {
        Producer<byte[], byte[]> p = factory.apply(index);
        try {
          p.initTransactions();
        } catch (RuntimeException e) {
          p.close(Duration.ZERO);
          throw e;
        }
        producer = p;
      }
      return producer;
    }

    private void discardProducer() {
      if (producer != null) {
        try {
          producer.close(Duration.ofSeconds(1));
        } catch (RuntimeException e) {
          log.debug("Closing a broken producer failed", e);
        }
        producer = null;
      }
    }
  }
}
