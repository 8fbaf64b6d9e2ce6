package io.upbeat.processor.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline of the processor (metrics, errors, samples, tail) over the events topic,
 * exactly once: each partition's work since the last flush is written together with the offset it
 * reaches, in one PostgreSQL transaction (Kafka's "offsets outside Kafka" pattern), and on
 * assignment each partition resumes from its stored offset. A crash at any moment loses only what
 * was not committed, and that is read again.
 *
 * <p>A failed flush is classified ({@link Fault}). On a transient fault (PostgreSQL down, pool
 * timeout, deadlock...) consumption pauses, the pending work is kept and the flush is retried with
 * backoff. On a data fault (a record whose effects PostgreSQL refuses, such as a NUL in a text) the
 * partitions' records since their last commit, kept for this, are committed again by {@link
 * Bisection}: the records that fail alone go to the dead-letter topic, the others are written, and
 * processing goes on. Records that cannot be decoded are dead-lettered as they are read. The offset
 * never moves past a record whose dead letter the broker has not acknowledged.
 *
 * <p>A pipeline may run a fixed window behind real time ({@link ReadDelay}, the tail pipeline): a
 * partition is paused and sought back at its first record younger than the window, and resumed once
 * that record is old enough; nothing of it is held meanwhile but its position.
 */
public final class EventPipeline<W extends PartitionWork> implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(EventPipeline.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  /**
   * On a record replayed from the dead-letter topic: the one pipeline that processes it (the one
   * that dead-lettered it; the others processed the original).
   */
  public static final String REPLAY_PIPELINE_HEADER = "upbeat-replay-pipeline";

  private final Consumer<byte[], byte[]> consumer;
  private final DeadLetters deadLetters;
  private final String topic;
  private final WorkStore<W> store;
  private final Supplier<W> newWork;
  private final String name;
  private final byte[] nameBytes;
  private final EventBatchCodec.Parts parts;
  private final Clock clock;
  private final Duration flushInterval;
  private final Bisection<W> bisection;
  private final DeletedApps deletedApps;
  private final ReadDelay delay;
  private final Map<Integer, PartitionState<W>> partitions = new ConcurrentHashMap<>();
  // Assigned partitions whose stored offsets could not be read yet: paused, retried with backoff.
  private final Set<Integer> unresolved = new HashSet<>();
  // Per partition, the log start up to which expired records were counted (each counted once).
  private final Map<Integer, Long> expiredCounted = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  // Read by the gauges from other threads; written by this pipeline's thread after each poll
  // (the consumer itself may only be touched by its own thread).
  private volatile int pausedCount;
  private volatile int unresolvedCount;
  private volatile int waitingCount;
  // Why and when Kafka last refused this pipeline's consumer (a wrong login, missing ACLs), null
  // once it is accepted again; read by the health indicator.
  private volatile Refusal refusal;
  private Duration refusalBackoff = Duration.ZERO;
  private final Counter recordsRead;
  private final Counter recordsSkipped;
  private final Counter recordsDropped;
  private final Counter duplicates;
  private final Counter rowsWritten;
  private final Counter poisonFlushes;
  private final Counter systemicFlushes;
  private final Counter expired;
  private final Counter refusals;
  private final Timer flushTime;
  private final Timer isolationTime;
  private final Rereads rereads;
  // Partitions sought back to their stored offsets during this poll: its other records of them are
  // read again.
  private final Set<Integer> soughtBack = new HashSet<>();
  private Instant lastFlushStart;
  private Instant lastFlush;
  private Duration backoff = Duration.ZERO;
  private Duration resolveBackoff = Duration.ZERO;
  private Instant nextResolve = Instant.MIN;
  private LocalDate partitionsEnsuredFor;

  /**
   * @param name the pipeline's name, in its metrics, logs and dead letters
   * @param parts what of each batch this pipeline reads (the rest is skipped, not decoded)
   * @param deadLetters where records that cannot be decoded or stored go, with the reason in
   *     headers
   * @param newWork makes one partition's work
   */
  public EventPipeline(
      String name,
      EventBatchCodec.Parts parts,
      Consumer<byte[], byte[]> consumer,
      Producer<byte[], byte[]> deadLetters,
      String deadLetterTopic,
      String topic,
      WorkStore<W> store,
      Supplier<W> newWork,
      Clock clock,
      Duration flushInterval,
      MeterRegistry meters) {
    this(
        name,
        parts,
        consumer,
        deadLetters,
        deadLetterTopic,
        topic,
        store,
        newWork,
        DeletedApps.NONE,
        clock,
        flushInterval,
        meters);
  }

  /**
   * @param deletedApps apps whose events are dropped, not stored (they were deleted)
   */
  public EventPipeline(
      String name,
      EventBatchCodec.Parts parts,
      Consumer<byte[], byte[]> consumer,
      Producer<byte[], byte[]> deadLetters,
      String deadLetterTopic,
      String topic,
      WorkStore<W> store,
      Supplier<W> newWork,
      DeletedApps deletedApps,
      Clock clock,
      Duration flushInterval,
      MeterRegistry meters) {
    this(
        name,
        parts,
        consumer,
        () -> deadLetters,
        deadLetterTopic,
        topic,
        store,
        newWork,
        deletedApps,
        ReadDelay.NONE,
        Rereads.KEEP,
        clock,
        flushInterval,
        meters);
  }

  /**
   * @param deletedApps apps whose events are dropped, not stored (they were deleted)
   * @param delay how far behind real time records are processed (the tail pipeline's window)
   * @param rereads how records are held until their commit (without their values, read again when
   *     needed whole); closed with the pipeline
   * @param deadLetters makes the dead-letter producer, again when one did not deliver a letter (see
   *     {@link DeadLetters}); one that always returns the same producer keeps it
   */
  public EventPipeline(
      String name,
      EventBatchCodec.Parts parts,
      Consumer<byte[], byte[]> consumer,
      Supplier<? extends Producer<byte[], byte[]>> deadLetters,
      String deadLetterTopic,
      String topic,
      WorkStore<W> store,
      Supplier<W> newWork,
      DeletedApps deletedApps,
      ReadDelay delay,
      Rereads rereads,
      Clock clock,
      Duration flushInterval,
      MeterRegistry meters) {
    this.deletedApps = deletedApps;
    this.rereads = rereads;
    this.delay = delay;
    this.name = name;
    this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
    this.parts = parts;
    this.consumer = consumer;
    this.deadLetters = new DeadLetters(deadLetters, deadLetterTopic, name, meters);
    this.topic = topic;
    this.store = store;
    this.newWork = newWork;
    this.clock = clock;
    this.flushInterval = flushInterval;
    this.flushTime = meters.timer("upbeat.processor.flush", "pipeline", name);
    this.rowsWritten = meters.counter("upbeat.processor.rows.written", "pipeline", name);
    this.bisection =
        new Bisection<>(
            topic,
            store,
            newWork,
            parts,
            (rows, took) -> {
              rowsWritten.increment(rows);
              flushTime.record(took);
            },
            (r, fault) ->
                this.deadLetters.sendAndAwait(
                    r,
                    DeadLetters.Reason.DATA_FAULT,
                    Fault.describe(fault),
                    Fault.sqlState(fault)));
    this.recordsRead = meters.counter("upbeat.processor.records", "pipeline", name);
    this.recordsSkipped = meters.counter("upbeat.processor.records.skipped", "pipeline", name);
    this.recordsDropped =
        meters.counter(
            "upbeat.processor.records.dropped", "pipeline", name, "reason", "app_deleted");
    this.duplicates = meters.counter("upbeat.processor.records.duplicate", "pipeline", name);
    this.poisonFlushes = meters.counter("upbeat.processor.flushes.poisoned", "pipeline", name);
    this.systemicFlushes = meters.counter("upbeat.processor.flushes.systemic", "pipeline", name);
    this.isolationTime = meters.timer("upbeat.processor.poison.isolation", "pipeline", name);
    this.expired = meters.counter("upbeat.processor.records.expired", "pipeline", name);
    this.refusals = meters.counter("upbeat.processor.kafka.refused", "pipeline", name);
    meters.gauge(
        "upbeat.processor.partitions.paused",
        List.of(Tag.of("pipeline", name)),
        this,
        p -> p.pausedCount);
    meters.gauge(
        "upbeat.processor.partitions.unresolved",
        List.of(Tag.of("pipeline", name)),
        this,
        p -> p.unresolvedCount);
    if (!delay.window().isZero()) {
      meters.gauge(
          "upbeat.processor.partitions.waiting",
          List.of(Tag.of("pipeline", name)),
          this,
          p -> p.waitingCount);
    }
    new KafkaClientMetrics(consumer, List.of(Tag.of("pipeline", name))).bindTo(meters);
    this.lastFlush = clock.instant();
    this.lastFlushStart = lastFlush;
  }

  /**
   * One assigned partition: where it is committed, where it is read to, what it has not written
   * yet, and the records behind that work (kept until they are committed, for {@link Bisection}).
   */
  private static final class PartitionState<W> {
    long committedOffset;
    long position;
    final W work;
    final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    final List<DeadLetters.Pending> deadLetters = new ArrayList<>();
    // Set when re-reading this partition's records failed: its records are held whole until all
    // of them are committed, so that a second fault does not need a re-read again.
    boolean keepValues;
    // The idempotency keys of those records, with each one's offset.
    final Map<IdempotencyKeys.Key, Long> keys = new HashMap<>();

    PartitionState(long committedOffset, long position, W work) {
      this.work = work;
      this.committedOffset = committedOffset;
      this.position = position;
    }

    boolean hasProgress() {
      return position > committedOffset;
    }
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebalance());
      while (running.get()) {
        ensurePartitions();
        resolve();
        var records = pollOrWakeUp();
        Set<Integer> heldNow = new HashSet<>();
        soughtBack.clear();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          PartitionState<W> state = partitions.get(r.partition());
          if (state == null
              || heldNow.contains(r.partition())
              || soughtBack.contains(r.partition())) {
            continue; // revoked during this poll, or read again once its record is old enough
          }
          if (hold(r)) {
            heldNow.add(r.partition());
            continue;
          }
          accept(state, r);
          state.position = r.offset() + 1;
          recordsRead.increment();
        }
        releaseHeld();
        skipControlRecords();
        if (!clock
            .instant()
            .isBefore(FlushCadence.next(lastFlushStart, lastFlush, flushInterval, backoff))) {
          flush(List.copyOf(partitions.keySet()));
        }
        waitingCount = delay.held();
        pausedCount = consumer.paused().size() - waitingCount;
        unresolvedCount = unresolved.size();
      }
      flush(List.copyOf(partitions.keySet()));
    } finally {
      pausedCount = 0;
      unresolvedCount = 0;
      waitingCount = 0;
      consumer.close(Duration.ofSeconds(5));
      rereads.close();
      deadLetters.close();
    }
  }

  /**
   * Whether {@code r} is too young for this pipeline's {@link ReadDelay}: then its partition is
   * paused and sought back to it, and it is read again once it is old enough (what follows it in
   * this poll is read again too).
   */
  private boolean hold(ConsumerRecord<byte[], byte[]> r) {
    if (delay.holdUntil(r.partition(), r.offset(), r.timestamp()) == null) {
      return false;
    }
    TopicPartition tp = new TopicPartition(topic, r.partition());
    consumer.seek(tp, r.offset());
    consumer.pause(List.of(tp));
    return true;
  }

  /**
   * Resumes the partitions whose held record is now old enough, unless flushes are failing (then
   * every partition stays paused until one succeeds, which resumes them all).
   */
  private void releaseHeld() {
    List<Integer> due = delay.due();
    if (!due.isEmpty() && backoff.isZero()) {
      Set<TopicPartition> assigned = consumer.assignment();
      consumer.resume(
          due.stream()
              .filter(p -> !unresolved.contains(p))
              .map(p -> new TopicPartition(topic, p))
              .filter(assigned::contains)
              .toList());
    }
  }

  /**
   * Moves each partition's position past what the consumer skipped without returning it: the commit
   * markers of intake's transactions and aborted records. Without this the stored offset would stop
   * on the last marker, one short of the log end, and an idle pipeline would look one record behind
   * on every partition (the lag gauge reads the stored offsets).
   */
  private void skipControlRecords() {
    Set<TopicPartition> assigned = consumer.assignment();
    for (Map.Entry<Integer, PartitionState<W>> e : partitions.entrySet()) {
      TopicPartition tp = new TopicPartition(topic, e.getKey());
      if (assigned.contains(tp)) {
        PartitionState<W> state = e.getValue();
        state.position = Math.max(state.position, consumer.position(tp));
      }
    }
  }

  /**
   * The next records, or none when stopped or when Kafka refuses the consumer: a wrong login,
   * missing ACLs or credentials not created yet cost no thread (a restart would not help), the
   * pipeline waits with backoff and polls again, reported by {@link #refusal()} meanwhile.
   */
  private Iterable<ConsumerRecord<byte[], byte[]>> pollOrWakeUp() {
    try {
      var records = consumer.poll(Duration.ofMillis(200));
      // A poll that returns proves nothing (the consumer may not have tried to log in again yet):
      // records or partitions do.
      if (refusal != null && (!records.isEmpty() || !consumer.assignment().isEmpty())) {
        log.info("Pipeline {}: Kafka accepts its consumer again", name);
        refusal = null;
        refusalBackoff = Duration.ZERO;
      }
      return records;
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
      return List.of(); // stop(): fall through to the final flush
    } catch (AuthenticationException | AuthorizationException e) {
      refusals.increment();
      refusal = new Refusal(e.toString(), clock.instant());
      refusalBackoff = nextBackoff(refusalBackoff);
      log.warn(
          "Pipeline {}: Kafka refuses its consumer ({}); retrying in {}", name, e, refusalBackoff);
      waitWhileRunning(refusalBackoff);
      return List.of();
    }
  }

  /** Waits {@code d}, or less if the pipeline is stopped meanwhile. */
  private void waitWhileRunning(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    try {
      for (long left = d.toNanos(); left > 0 && running.get(); left = until - System.nanoTime()) {
        Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  /**
   * Why Kafka refuses this pipeline's consumer (its login or its rights), while it does: until it
   * gets partitions or records, or for twice the longest backoff after the last refusal (an
   * instance with no partition to get has no other proof that it is accepted again).
   */
  public Optional<String> refusal() {
    Refusal last = refusal;
    return last != null && clock.instant().isBefore(last.at().plus(MAX_BACKOFF.multipliedBy(2)))
        ? Optional.of(last.why())
        : Optional.empty();
  }

  private record Refusal(String why, Instant at) {}

  private void accept(PartitionState<W> state, ConsumerRecord<byte[], byte[]> r) {
    Header only = r.headers().lastHeader(REPLAY_PIPELINE_HEADER);
    if (only != null && !Arrays.equals(only.value(), nameBytes)) {
      return; // a dead letter replayed for another pipeline: this one processed it already
    }
    Header present = r.headers().lastHeader(EventBatchCodec.PARTS_HEADER);
    if (present != null && !parts.mayBeIn(present.value())) {
      recordsSkipped.increment();
      return; // nothing this pipeline reads (e.g. no errors): no effect, not decoded
    }
    if (state.work.passesOver(r.headers())) {
      recordsSkipped.increment();
      return; // nothing this work wants (e.g. no trace the tail decision marked): not decoded
    }
    EventBatch batch;
    try {
      batch = decode(r, parts);
    } catch (IllegalArgumentException | NullPointerException e) {
      // Never block the partition on a record it cannot read: it goes to the dead-letter topic
      // with the reason (durable before the offset moves past it), and processing goes on.
      state.deadLetters.add(
          deadLetters.send(
              r, DeadLetters.Reason.UNDECODABLE, String.valueOf(e.getMessage()), null));
      return;
    }
    if (deletedApps.contains(batch.appId())) {
      // The app was deleted: its events still in the topic are not stored. Nothing of it enters
      // the work, so a rebuild or a bisection never sees it either; the offset moves past it.
      recordsDropped.increment();
      return;
    }
    IdempotencyKeys.Key key = IdempotencyKeys.of(r, batch);
    if (key != null && pending(key)) {
      // A retry of a batch this pipeline holds uncommitted (here or on another partition): that
      // one is counted when it commits, and this offset moves past it like any other.
      duplicates.increment();
      return;
    }
    try {
      state.work.add(batch);
    } catch (RuntimeException e) {
      // The work may hold part of this record: rebuilt from the records before it, without it.
      state.deadLetters.add(
          deadLetters.send(r, DeadLetters.Reason.DATA_FAULT, Fault.describe(e), null));
      rebuild(r.partition(), state);
      return;
    }
    state.records.add(state.keepValues ? r : rereads.held(r));
    if (key != null) {
      state.keys.put(key, r.offset());
    }
  }

  /** Whether a record carrying {@code key} is read and not yet committed, on any partition. */
  private boolean pending(IdempotencyKeys.Key key) {
    for (PartitionState<W> s : partitions.values()) {
      if (s.keys.containsKey(key)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A commit found {@code keys} committed already (by another partition or processor since these
   * records were read): the records carrying them are duplicates, dropped from the partitions'
   * uncommitted records and work, whose offsets still move past them.
   */
  private void dropDuplicates(Collection<Integer> which, Set<IdempotencyKeys.Key> keys) {
    for (int p : which) {
      PartitionState<W> s = partitions.get(p);
      if (s == null) {
        continue;
      }
      Set<Long> offsets = new HashSet<>();
      for (IdempotencyKeys.Key k : keys) {
        Long offset = s.keys.remove(k);
        if (offset != null) {
          offsets.add(offset);
        }
      }
      if (!offsets.isEmpty()) {
        s.records.removeIf(r -> offsets.contains(r.offset()));
        duplicates.increment(offsets.size());
        rebuild(p, s);
      }
    }
  }

  /**
   * The parts of {@code r}'s batch, from its {@link EventTimings#HEADER} when they are all there
   * (the metrics pipeline), else from its value.
   */
  static EventBatch decode(ConsumerRecord<byte[], byte[]> r, EventBatchCodec.Parts parts) {
    Header timings = r.headers().lastHeader(EventTimings.HEADER);
    return EventBatchCodec.decode(r.value(), timings == null ? null : timings.value(), parts);
  }

  /**
   * Remakes a partition's work from its records not yet committed, as they were added the first
   * time (nothing counted or charged to a budget again).
   */
  private void rebuild(int partition, PartitionState<W> state) {
    List<ConsumerRecord<byte[], byte[]>> whole;
    try {
      whole = state.keepValues ? state.records : rereads.whole(state.records);
    } catch (Rereads.RereadException e) {
      seekBack(partition, state, e);
      return;
    }
    state.work.rewind();
    for (ConsumerRecord<byte[], byte[]> r : whole) {
      state.work.replay(decode(r, parts), state.work);
    }
  }

  /**
   * The records held for {@code state} could not be read again: its uncommitted work is dropped and
   * the partition is read again from its stored offset (what was read since is read again, with the
   * budgets it charged charged again).
   */
  private void seekBack(int partition, PartitionState<W> state, Exception cause) {
    if (partitions.get(partition) != state) {
      return; // revoked (or assigned afresh) meanwhile
    }
    log.warn(
        "Pipeline {}: {}; reading partition {} again from its stored offset",
        name,
        cause.getMessage(),
        partition);
    soughtBack.add(partition);
    assign(List.of(partition));
    PartitionState<W> again = partitions.get(partition);
    if (again != null) {
      again.keepValues = true; // until what is read again is committed
    }
  }

  /**
   * Writes the given partitions' progress in one transaction; on a transient failure keeps it and
   * backs off, on a data fault isolates the records at fault.
   */
  private void flush(Collection<Integer> which) {
    Instant start = clock.instant();
    try {
      write(which);
    } finally {
      lastFlushStart = start; // see FlushCadence
      lastFlush = clock.instant();
    }
  }

  private void write(Collection<Integer> which) {
    List<WorkStore.Flush<W>> flushes = new ArrayList<>();
    for (int p : which) {
      PartitionState<W> s = partitions.get(p);
      if (s != null && s.hasProgress()) {
        flushes.add(
            new WorkStore.Flush<>(p, s.committedOffset, s.position, s.work, s.keys.keySet()));
      }
    }
    if (flushes.isEmpty()) {
      recoverIfIdle(); // e.g. a failed flush's partitions were revoked: nothing left to retry
      return;
    }
    if (!ensurePartitions()) {
      // Without the day's table partitions every row would fail as if it were the record's fault.
      pause(new SQLException("the day's table partitions are not prepared yet"));
      return;
    }
    long start = System.nanoTime();
    try {
      awaitDeadLetters(flushes);
      rowsWritten.increment(store.commit(topic, flushes));
      flushTime.record(Duration.ofNanos(System.nanoTime() - start));
      for (WorkStore.Flush<W> f : flushes) {
        committed(f.partition(), partitions.get(f.partition()), f.nextOffset());
      }
      recovered();
    } catch (OffsetLedger.FencedException e) {
      log.warn("{}; dropping its uncommitted state and seeking back", e.getMessage());
      assign(which); // forgets the uncommitted state, restarts from stored offsets
      recoverIfIdle();
    } catch (IdempotencyKeys.DuplicatesException e) {
      // Nothing was written: commit again at once without the duplicates (each round drops at
      // least one record, so this ends).
      dropDuplicates(which, e.keys());
      write(which);
    } catch (SQLException | RuntimeException e) {
      if (Fault.of(e) == Fault.DATA) {
        isolate(flushes, e);
      } else {
        pause(e);
      }
    } catch (DeadLetters.NotDurableException e) {
      pause(e);
    }
  }

  private void awaitDeadLetters(List<WorkStore.Flush<W>> flushes)
      throws DeadLetters.NotDurableException {
    for (WorkStore.Flush<W> f : flushes) {
      List<DeadLetters.Pending> pending = partitions.get(f.partition()).deadLetters;
      while (!pending.isEmpty()) {
        deadLetters.await(pending.getFirst());
        pending.removeFirst();
      }
    }
  }

  /** The partition's offset is {@code next}: its records and work before it are done. */
  private void committed(int partition, PartitionState<W> s, long next) {
    bisection.passed(partition, next);
    s.committedOffset = next;
    if (next >= s.position) {
      s.records.clear();
      s.work.clear();
      s.keys.clear();
      s.keepValues = false;
    } else {
      s.records.removeIf(r -> r.offset() < next);
      s.keys.values().removeIf(offset -> offset < next);
    }
  }

  /**
   * A commit failed on a data fault: each partition's records are committed again on their own by
   * {@link Bisection}, which dead-letters those that fail alone.
   */
  private void isolate(List<WorkStore.Flush<W>> flushes, Exception fault) {
    poisonFlushes.increment();
    log.warn(
        "Pipeline {}: a flush failed on a data fault ({}, SQLState {}); isolating the records",
        name,
        Fault.describe(fault),
        Fault.sqlState(fault));
    long start = System.nanoTime();
    try {
      for (WorkStore.Flush<W> f : flushes) {
        PartitionState<W> s = partitions.get(f.partition());
        List<ConsumerRecord<byte[], byte[]>> whole;
        try {
          whole = List.copyOf(s.keepValues ? s.records : rereads.whole(s.records));
        } catch (Rereads.RereadException e) {
          seekBack(f.partition(), s, e);
          continue;
        }
        try {
          int dead =
              bisection.commit(
                  f.partition(),
                  s.committedOffset,
                  whole,
                  f.nextOffset(),
                  s.work,
                  next -> committed(f.partition(), s, next));
          if (dead > 0) {
            log.warn(
                "Pipeline {}: {} record(s) of partition {} dead-lettered",
                name,
                dead,
                f.partition());
          }
        } catch (OffsetLedger.FencedException e) {
          log.warn("{}; dropping its uncommitted state and seeking back", e.getMessage());
          assign(List.of(f.partition()));
        } catch (IdempotencyKeys.DuplicatesException e) {
          dropDuplicates(List.of(f.partition()), e.keys()); // the rest at the next flush
        } finally {
          if (s.hasProgress()) {
            rebuild(f.partition(), s); // cut short: the work of what is left
          }
        }
      }
      recovered();
    } catch (Bisection.SystemicFault e) {
      systemicFlushes.increment();
      log.warn(
          "Pipeline {}: {} ({}, SQLState {}): no record is at fault, none dead-lettered; retrying"
              + " with backoff",
          name,
          e.getMessage(),
          Fault.describe(e.getCause()),
          Fault.sqlState(e.getCause()));
      pause(e);
    } catch (SQLException | RuntimeException | DeadLetters.NotDurableException e) {
      pause(e);
    } finally {
      isolationTime.record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private void pause(Exception e) {
    backoff = nextBackoff(backoff);
    log.warn(
        "Pipeline {}: flush failed ({}); pausing consumption, retrying in {}",
        name,
        e.toString(),
        backoff);
    consumer.pause(consumer.assignment());
  }

  private void recovered() {
    if (!backoff.isZero()) {
      log.info("Pipeline {}: flushes succeed again; resuming consumption", name);
      backoff = Duration.ZERO;
      consumer.resume(resolvedPartitions(consumer.paused()));
    }
  }

  /**
   * Resumes consumption if no partition has anything left to write: a backoff is only for retrying
   * work that failed, and without any there is nothing to wait for.
   */
  private void recoverIfIdle() {
    if (!backoff.isZero() && !hasProgress()) {
      recovered();
    }
  }

  private boolean hasProgress() {
    return partitions.values().stream().anyMatch(PartitionState::hasProgress);
  }

  /** Of {@code tps}, those to resume: neither unresolved nor held by the read delay. */
  private List<TopicPartition> resolvedPartitions(Collection<TopicPartition> tps) {
    return tps.stream()
        .filter(tp -> !unresolved.contains(tp.partition()) && !delay.holds(tp.partition()))
        .toList();
  }

  /**
   * Starts the partitions from their stored offsets: a partition never seen gets its offset row at
   * the log start first, so that its first commit is fenced like any other. If PostgreSQL (or
   * Kafka) cannot say where they are, they stay paused and are retried with backoff.
   */
  private void assign(Collection<Integer> which) {
    if (which.isEmpty()) {
      return;
    }
    List<TopicPartition> tps = which.stream().map(p -> new TopicPartition(topic, p)).toList();
    which.forEach(delay::forget); // sought to their stored offsets below
    Map<Integer, Long> logStarts = new TreeMap<>();
    Map<Integer, Long> offsets;
    try {
      consumer
          .beginningOffsets(tps, Duration.ofSeconds(10))
          .forEach((tp, o) -> logStarts.put(tp.partition(), o));
      offsets = store.claim(topic, logStarts);
    } catch (SQLException | TimeoutException e) {
      resolveBackoff = nextBackoff(resolveBackoff);
      nextResolve = clock.instant().plus(resolveBackoff);
      log.warn(
          "Pipeline {} cannot read stored offsets ({}); partitions {} wait, retried in {}",
          name,
          e.toString(),
          which,
          resolveBackoff);
      unresolved.addAll(which);
      which.forEach(partitions::remove);
      consumer.pause(tps);
      return;
    }
    for (TopicPartition tp : tps) {
      int p = tp.partition();
      unresolved.remove(p);
      long offset = offsets.get(p);
      long logStart = logStarts.get(p);
      long from = offset;
      if (offset < logStart) {
        // Retention deleted records before this pipeline processed them: they are lost. Counted
        // once, not again when the partition is assigned again before the skip is committed.
        long lost = logStart - Math.max(offset, expiredCounted.getOrDefault(p, offset));
        if (lost > 0) {
          log.warn(
              "Pipeline {}: partition {} resumes at {} but the log starts at {}; {} records"
                  + " expired before they were processed",
              name,
              p,
              offset,
              logStart,
              lost);
          expired.increment(lost);
          expiredCounted.put(p, logStart);
        }
        from = logStart;
      }
      // From the log start the skip is committed at the next flush (position > committed).
      partitions.put(p, new PartitionState<>(offset, from, newWork.get()));
      consumer.seek(tp, from);
    }
    if (unresolved.isEmpty()) {
      resolveBackoff = Duration.ZERO;
    }
    if (backoff.isZero() || !hasProgress()) {
      consumer.resume(tps);
    } else {
      // Flushes are failing: read nothing more until one succeeds (which resumes these too).
      consumer.pause(tps);
    }
  }

  /** Retries the partitions whose offsets could not be read, once their backoff has passed. */
  private void resolve() {
    if (unresolved.isEmpty() || clock.instant().isBefore(nextResolve)) {
      return;
    }
    Set<Integer> assigned = new HashSet<>();
    consumer.assignment().forEach(tp -> assigned.add(tp.partition()));
    unresolved.retainAll(assigned);
    assign(List.copyOf(unresolved));
  }

  /** Prepares the day's tables once a day; whether they are. */
  private boolean ensurePartitions() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    if (today.equals(partitionsEnsuredFor)) {
      return true;
    }
    try {
      store.prepare(today);
      partitionsEnsuredFor = today;
      return true;
    } catch (SQLException e) {
      log.warn("Pipeline {} cannot prepare the day's tables yet: {}", name, e.toString());
      return false;
    }
  }

  /** The wait after {@code current} (zero: none yet): 0.5 s, doubling up to 30 s. */
  private static Duration nextBackoff(Duration current) {
    if (current.isZero()) {
      return FIRST_BACKOFF;
    }
    Duration doubled = current.multipliedBy(2);
    return doubled.compareTo(MAX_BACKOFF) <= 0 ? doubled : MAX_BACKOFF;
  }

  public String name() {
    return name;
  }

  /**
   * Assigned partitions whose consumption is paused: a flush failing on a transient fault pauses
   * them all until it succeeds; a partition whose stored offset cannot be read stays paused until
   * it can (also counted by {@link #unresolvedPartitions()}). As of the last poll.
   */
  public int pausedPartitions() {
    return pausedCount;
  }

  /** Assigned partitions whose stored offsets could not be read yet, as of the last poll. */
  public int unresolvedPartitions() {
    return unresolvedCount;
  }

  /** Partitions this pipeline currently processes (for tests and health). */
  public int assignedPartitions() {
    return partitions.size();
  }

  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      assign(assigned.stream().map(TopicPartition::partition).toList());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      List<Integer> ids = revoked.stream().map(TopicPartition::partition).toList();
      flush(ids);
      ids.forEach(partitions::remove);
      ids.forEach(unresolved::remove);
      ids.forEach(delay::forget);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      lost.forEach(tp -> partitions.remove(tp.partition()));
      lost.forEach(tp -> unresolved.remove(tp.partition()));
      lost.forEach(tp -> delay.forget(tp.partition()));
    }
  }
}
