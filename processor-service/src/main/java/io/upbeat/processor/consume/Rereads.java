package io.upbeat.processor.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a pipeline holds the records it has read and not yet committed: without their values, read
 * again from Kafka (the buffer they are in anyway) on the rare paths that need them whole, which
 * are rebuilding a partition's work, isolating a poisoned record and dead-lettering it.
 *
 * <p>A record's value is intake's whole batch (up to tens of kilobytes), and a pipeline holds every
 * record read since its last commit: under load, four pipelines holding theirs filled a 512 MiB
 * heap with values that their works had already taken what they needed from, and the processor
 * spent most of its CPU in full collections. {@link #KEEP} keeps the values instead (nothing to
 * re-read with), for a pipeline made without a Kafka client of its own.
 *
 * <p>Re-reads use a consumer of their own, made at the first re-read and kept: assigned the one
 * partition, no group, {@code read_committed} like the pipeline's, so it returns the same records
 * at the same offsets. Used by the pipeline's thread only.
 */
public final class Rereads implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Rereads.class);

  /** Holds records whole: nothing is read again. */
  public static final Rereads KEEP = new Rereads(null, null, Duration.ZERO);

  /** A re-read that did not return every record asked for in time. */
  static final class RereadException extends Exception {
    RereadException(String message) {
      super(message);
    }
  }

  private final String topic;
  private final Supplier<Consumer<byte[], byte[]>> consumers;
  private final Duration timeout;
  private Consumer<byte[], byte[]> consumer;

  /**
   * @param consumers makes the re-reading consumer: the pipeline's settings without a group
   * @param timeout how long a re-read may take before it fails
   */
  public Rereads(String topic, Supplier<Consumer<byte[], byte[]>> consumers, Duration timeout) {
    this.topic = topic;
    this.consumers = consumers;
    this.timeout = timeout;
  }

  /**
   * {@code r} as held until its commit: its place only (topic, partition, offset, timestamp),
   * unless values are kept. Not its headers either: a header read from a fetched record is a view
   * of the record's whole buffer, and would keep the value's bytes alive.
   */
  ConsumerRecord<byte[], byte[]> held(ConsumerRecord<byte[], byte[]> r) {
    if (consumers == null) {
      return r;
    }
    return new ConsumerRecord<>(
        r.topic(),
        r.partition(),
        r.offset(),
        r.timestamp(),
        r.timestampType(),
        r.serializedKeySize(),
        r.serializedValueSize(),
        null,
        null,
        new RecordHeaders(),
        r.leaderEpoch());
  }

  /**
   * The records {@code held} (of one partition, in offset order, as {@link #held} returned them)
   * whole again, in the same order.
   *
   * @throws RereadException if Kafka did not return all of them within the timeout
   */
  List<ConsumerRecord<byte[], byte[]>> whole(List<ConsumerRecord<byte[], byte[]>> held)
      throws RereadException {
    if (consumers == null || held.isEmpty()) {
      return held;
    }
    int partition = held.getFirst().partition();
    Map<Long, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
    long first = held.getFirst().offset();
    long last = held.getLast().offset();
    TopicPartition tp = new TopicPartition(topic, partition);
    try {
      if (consumer == null) {
        consumer = consumers.get();
      }
      consumer.assign(List.of(tp));
      consumer.seek(tp, first);
      long deadline = System.nanoTime() + timeout.toNanos();
      boolean past = false;
      while (!past && System.nanoTime() - deadline < 0) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() > last) {
            past = true;
            break;
          }
          found.put(r.offset(), r);
        }
        if (!past && consumer.position(tp) > last) {
          past = true;
        }
      }
    } catch (RuntimeException e) {
      close();
      throw new RereadException("re-reading partition " + partition + " failed: " + e);
    }
    List<ConsumerRecord<byte[], byte[]>> whole = new ArrayList<>(held.size());
    for (ConsumerRecord<byte[], byte[]> h : held) {
      ConsumerRecord<byte[], byte[]> r = found.get(h.offset());
      if (r == null) {
        throw new RereadException(
            "re-reading partition %d from %d to %d did not return offset %d within %s"
                .formatted(partition, first, last, h.offset(), timeout));
      }
      whole.add(r);
    }
    return whole;
  }

  @Override
  public void close() {
    if (consumer != null) {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("Closing the re-reading consumer failed", e);
      }
      consumer = null;
    }
  }
}
