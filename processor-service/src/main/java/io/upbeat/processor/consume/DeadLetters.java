package io.upbeat.processor.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's dead-letter topic: the original key and value of a record it cannot process, with
 * why in headers ({@code upbeat-fault}, {@code upbeat-reason}, {@code upbeat-sqlstate}, {@code
 * upbeat-source} as topic-partition@offset, {@code upbeat-pipeline}). A dead letter counts only
 * once the broker has acknowledged it: the pipeline never moves its offset past a record whose dead
 * letter is not durable.
 */
final class DeadLetters {
  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  /** Why a record is dead-lettered: the {@code upbeat-fault} header and the metric's tag. */
  enum Reason {
    UNDECODABLE("undecodable"),
    DATA_FAULT("data_fault");

    final String tag;

    Reason(String tag) {
      this.tag = tag;
    }
  }

  /** The broker did not acknowledge a dead letter: a transient fault, the flush is retried. */
  static final class NotDurableException extends Exception {
    NotDurableException(String source, Throwable cause) {
      super("dead letter of " + source + " not acknowledged: " + cause, cause);
    }
  }

  /** A dead letter sent and not yet known durable; sent again if it failed. */
  final class Pending {
    private final ProducerRecord<byte[], byte[]> letter;
    private final Reason reason;
    private final String source;
    private Future<RecordMetadata> sent;

    private Pending(ProducerRecord<byte[], byte[]> letter, Reason reason, String source) {
      this.letter = letter;
      this.reason = reason;
      this.source = source;
      this.sent = send(letter);
    }
  }

  private final Supplier<? extends Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  private final String topic;
  private final String pipeline;
  private final Counter undecodable;
  private final Counter dataFaults;
  private final Counter renewed;

  /**
   * @param producers makes the producer when the first letter is sent (so a pipeline that starts
   *     before Kafka accepts it makes it once it does), and again when one did not deliver a letter
   *     in time or failed it (the old one is then closed, unless {@code producers} returns the same
   *     instance): a producer refused at its first connection (credentials created late) never
   *     recovers by itself (KAFKA-20237, an idempotent producer stays uninitialized)
   */
  DeadLetters(
      Supplier<? extends Producer<byte[], byte[]>> producers,
      String topic,
      String pipeline,
      MeterRegistry m) {
    this.producers = producers;
    this.topic = topic;
    this.pipeline = pipeline;
    String name = "upbeat.processor.records.deadlettered";
    this.undecodable = m.counter(name, "pipeline", pipeline, "reason", Reason.UNDECODABLE.tag);
    this.dataFaults = m.counter(name, "pipeline", pipeline, "reason", Reason.DATA_FAULT.tag);
    this.renewed = m.counter("upbeat.processor.deadletter.producers.renewed", "pipeline", pipeline);
  }

  /** Sends without waiting; {@link #await} before the offset moves past the record. */
  Pending send(ConsumerRecord<byte[], byte[]> r, Reason reason, String message, String sqlState) {
    String source = r.topic() + "-" + r.partition() + "@" + r.offset();
    log.warn(
        "Dead-lettering record {} of pipeline {} ({}): {}", source, pipeline, reason.tag, message);
    ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic, null, r.key(), r.value());
    letter
        .headers()
        .add("upbeat-fault", utf8(reason.tag))
        .add("upbeat-reason", utf8(message))
        .add("upbeat-source", utf8(source))
        .add("upbeat-pipeline", utf8(pipeline));
    if (sqlState != null) {
      letter.headers().add("upbeat-sqlstate", utf8(sqlState));
    }
    return new Pending(letter, reason, source);
  }

  /** Waits until the broker has the dead letter, sending it again if an earlier send failed. */
  void await(Pending p) throws NotDurableException {
    if (p.sent.state() == Future.State.FAILED) {
      p.sent = send(p.letter);
    }
    try {
      p.sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (renewProducer(cause)) {
        // Closing the old producer fails what it still held; this one is sent again by the new
        // producer on the next try. (If the old one delivered it after all, the letter is there
        // twice: replays take one of each source and pipeline.)
        p.sent = CompletableFuture.failedFuture(cause);
      }
      throw new NotDurableException(p.source, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotDurableException(p.source, e);
    }
    (p.reason == Reason.UNDECODABLE ? undecodable : dataFaults).increment();
  }

  /** Sends and waits until the broker has it. */
  void sendAndAwait(ConsumerRecord<byte[], byte[]> r, Reason reason, String message, String state)
      throws NotDurableException {
    await(send(r, reason, message, state));
  }

  /** Replaces the producer with a new one; false when the factory gives the same one back. */
  private boolean renewProducer(Throwable why) {
    Producer<byte[], byte[]> fresh;
    try {
      fresh = producers.get();
    } catch (RuntimeException e) {
      log.warn(
          "Pipeline {}: a new dead-letter producer could not be made: {}", pipeline, e.toString());
      return false;
    }
    if (fresh == producer || producer == null) {
      producer = fresh;
      return false;
    }
    log.warn(
        "Pipeline {}: a dead letter was not acknowledged ({}); the dead-letter producer is replaced",
        pipeline,
        why.toString());
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("Closing the old dead-letter producer failed", e);
    }
    producer = fresh;
    renewed.increment();
    return true;
  }

  private Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> letter) {
    try {
      if (producer == null) {
        producer = producers.get();
      }
      return producer.send(letter);
    } catch (RuntimeException e) { // e.g. buffer full past max.block.ms, producer closed
      return CompletableFuture.failedFuture(e);
    }
  }

  void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }

  private static byte[] utf8(String s) {
    return String.valueOf(s).getBytes(StandardCharsets.UTF_8);
  }
}
