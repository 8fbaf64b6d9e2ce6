package io.upbeat.processor.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline of the processor (metrics, errors) over the events topic, exactly once: each
 * partition's work since the last flush is written together with the offset it reaches, in one
 * PostgreSQL transaction (Kafka's "offsets outside Kafka" pattern), and on assignment each
 * partition resumes from its stored offset. A crash at any moment loses only what was not
 * committed, and that is read again. While PostgreSQL is unreachable consumption pauses, the
 * pending aggregates are kept and the flush is retried with backoff.
 */
public final class EventPipeline<W extends PartitionWork> implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(EventPipeline.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Consumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> deadLetters;
  private final String deadLetterTopic;
  private final String topic;
  private final WorkStore<W> store;
  private final Supplier<W> newWork;
  private final String name;
  private final EventBatchCodec.Parts parts;
  private final Clock clock;
  private final Duration flushInterval;
  private final Map<Integer, PartitionState<W>> partitions =
      new java.util.concurrent.ConcurrentHashMap<>();
  // Assigned partitions whose stored offsets could not be read yet: paused until they are.
  private final java.util.Set<Integer> unresolved = new java.util.HashSet<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Counter undecodable;
  private final Counter recordsRead;
  private final Counter rowsWritten;
  private final Timer flushTime;
  private Instant lastFlush;
  private Duration backoff = Duration.ZERO;
  private LocalDate partitionsEnsuredFor;

  /**
   * @param name the pipeline's name, in its metrics and logs
   * @param parts what of each batch this pipeline reads (the rest is skipped, not decoded)
   * @param deadLetters where records that cannot be decoded go, with the reason in headers
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
    this.name = name;
    this.parts = parts;
    this.consumer = consumer;
    this.deadLetters = deadLetters;
    this.deadLetterTopic = deadLetterTopic;
    this.topic = topic;
    this.store = store;
    this.newWork = newWork;
    this.clock = clock;
    this.flushInterval = flushInterval;
    this.undecodable = meters.counter("upbeat.processor.records.deadlettered", "pipeline", name);
    this.flushTime = meters.timer("upbeat.processor.flush", "pipeline", name);
    this.recordsRead = meters.counter("upbeat.processor.records", "pipeline", name);
    this.rowsWritten = meters.counter("upbeat.processor.rows.written", "pipeline", name);
    new KafkaClientMetrics(
            consumer, java.util.List.of(io.micrometer.core.instrument.Tag.of("pipeline", name)))
        .bindTo(meters);
    this.lastFlush = clock.instant();
  }

  /** One assigned partition: where it started, where it is, what it has not written yet. */
  private static final class PartitionState<W> {
    Long committedOffset;
    long position;
    final W work;

    PartitionState(Long committedOffset, W work) {
      this.work = work;
      this.committedOffset = committedOffset;
      this.position = committedOffset == null ? -1 : committedOffset;
    }

    boolean hasProgress() {
      return position >= 0 && (committedOffset == null || position > committedOffset);
    }
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebalance());
      while (running.get()) {
        ensurePartitions();
        var records = pollOrWakeUp();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          PartitionState<W> state = partitions.get(r.partition());
          if (state == null) {
            continue; // revoked during this poll
          }
          accept(state, r);
          state.position = r.offset() + 1;
          recordsRead.increment();
        }
        if (Duration.between(lastFlush, clock.instant()).compareTo(flushInterval.plus(backoff))
            >= 0) {
          flush(List.copyOf(partitions.keySet()));
        }
      }
      flush(List.copyOf(partitions.keySet()));
    } finally {
      consumer.close(Duration.ofSeconds(5));
      deadLetters.close(Duration.ofSeconds(5));
    }
  }

  private Iterable<ConsumerRecord<byte[], byte[]>> pollOrWakeUp() {
    try {
      return consumer.poll(Duration.ofMillis(200));
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
      return List.of(); // stop(): fall through to the final flush
    }
  }

  private void accept(PartitionState<W> state, ConsumerRecord<byte[], byte[]> r) {
    EventBatch batch;
    try {
      batch = EventBatchCodec.decode(r.value(), parts);
    } catch (IllegalArgumentException | NullPointerException e) {
      // Never block the partition on a record it cannot read: it goes to the dead-letter topic
      // with the reason (flushed before the offset moves past it), and processing goes on.
      deadLetter(r, e);
      return;
    }
    state.work.add(batch);
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, RuntimeException reason) {
    undecodable.increment();
    log.warn(
        "Dead-lettering undecodable record {}-{}@{}: {}",
        r.topic(),
        r.partition(),
        r.offset(),
        reason.getMessage());
    ProducerRecord<byte[], byte[]> dead =
        new ProducerRecord<>(deadLetterTopic, null, r.key(), r.value());
    dead.headers()
        .add("upbeat-reason", String.valueOf(reason.getMessage()).getBytes(StandardCharsets.UTF_8))
        .add(
            "upbeat-source",
            (r.topic() + "-" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
    deadLetters.send(dead);
  }

  /**
   * Writes the given partitions' progress in one transaction; on failure keeps it and backs off.
   */
  private void flush(Collection<Integer> which) {
    lastFlush = clock.instant();
    List<WorkStore.Flush<W>> flushes = new ArrayList<>();
    for (int p : which) {
      PartitionState<W> s = partitions.get(p);
      if (s != null && s.hasProgress()) {
        flushes.add(new WorkStore.Flush<>(p, s.committedOffset, s.position, s.work));
      }
    }
    if (flushes.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    try {
      deadLetters.flush(); // dead letters are durable before offsets move past their records
      rowsWritten.increment(store.commit(topic, flushes));
      flushTime.record(Duration.ofNanos(System.nanoTime() - start));
      for (WorkStore.Flush<W> f : flushes) {
        PartitionState<W> s = partitions.get(f.partition());
        s.committedOffset = f.nextOffset();
        s.work.clear();
      }
      if (!backoff.isZero()) {
        log.info("PostgreSQL is back; resuming consumption");
        consumer.resume(consumer.paused());
        backoff = Duration.ZERO;
      }
    } catch (OffsetLedger.FencedException e) {
      log.warn("{}; dropping its uncommitted state and seeking back", e.getMessage());
      assign(which); // forgets the uncommitted state, restarts from stored offsets
    } catch (SQLException | RuntimeException e) {
      backoff =
          backoff.isZero() ? Duration.ofMillis(500) : min(backoff.multipliedBy(2), MAX_BACKOFF);
      log.warn(
          "Flush to PostgreSQL failed ({}); pausing consumption, retrying in {}",
          e.toString(),
          backoff);
      consumer.pause(consumer.assignment());
    }
  }

  /**
   * Starts the partitions from their stored offsets (or the topic's beginning). If PostgreSQL
   * cannot say where they are, they stay paused until it can.
   */
  private void assign(Collection<Integer> which) {
    List<TopicPartition> tps = which.stream().map(p -> new TopicPartition(topic, p)).toList();
    Map<Integer, Long> offsets;
    try {
      offsets = store.offsets(topic, which);
    } catch (SQLException e) {
      log.warn("Cannot read stored offsets ({}); partitions {} wait", e.toString(), which);
      which.forEach(unresolved::add);
      which.forEach(partitions::remove);
      consumer.pause(tps);
      return;
    }
    List<TopicPartition> fromStart = new ArrayList<>();
    for (int p : which) {
      unresolved.remove(p);
      Long offset = offsets.get(p);
      partitions.put(p, new PartitionState<>(offset, newWork.get()));
      TopicPartition tp = new TopicPartition(topic, p);
      if (offset == null) {
        fromStart.add(tp);
      } else {
        consumer.seek(tp, offset);
      }
    }
    if (!fromStart.isEmpty()) {
      consumer.seekToBeginning(fromStart);
    }
    if (backoff.isZero()) {
      consumer.resume(tps);
    }
  }

  private void ensurePartitions() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    if (today.equals(partitionsEnsuredFor)) {
      return;
    }
    try {
      store.prepare(today);
      partitionsEnsuredFor = today;
    } catch (SQLException e) {
      log.warn("Pipeline {} cannot prepare the day's tables yet: {}", name, e.toString());
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  public String name() {
    return name;
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
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      lost.forEach(tp -> partitions.remove(tp.partition()));
      lost.forEach(tp -> unresolved.remove(tp.partition()));
    }
  }
}
