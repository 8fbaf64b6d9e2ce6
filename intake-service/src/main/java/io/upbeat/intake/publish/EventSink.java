package io.upbeat.intake.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.EventBatch;
import io.upbeat.events.EventBatchCodec;
import io.upbeat.events.EventTimings;
import io.upbeat.events.Scrubber;
import io.upbeat.events.Topics;
import io.upbeat.events.TraceKeys;
import io.upbeat.intake.ratelimit.AppRateLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What every receiver ({@code /v1/events}, OTLP, Elastic) does with the batches it read, in one
 * place: scrub secrets out of them (the app's {@link Scrubber}, see the contract's "Scrubbing"),
 * make their text storable, charge the app's rate limit, encode, address and publish them to Kafka
 * in one transaction, and say how it went. Receivers only turn the {@link Outcome} into their own
 * protocol's answer.
 *
 * <p>The rate limit charges one token per transaction, error, transaction metric, destination
 * metric and orphan span (samples are copies of counted transactions and cost nothing), so a flood
 * of orphan spans is limited like any other events. A destination metric intake derived from exit
 * spans costs its token too: at most one per destination and minute of a request, it is a row the
 * processor writes like any agent's.
 *
 * <p>Thread-safe; one instance serves every request.
 */
public final class EventSink {
  /** How long a client told 503 should wait before retrying. */
  static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);

  /** The receivers, as metrics tag them ({@code receiver}). */
  public enum Receiver {
    /**
     * Its parser reads storable text only (behind {@code StorableEscapes}, strict UTF-8): the
     * storable pass would find nothing to replace, so it is skipped ({@code
     * ParsedTextIsStorableTest} holds the parser to it).
     */
    EVENTS(true),
    OTLP(false),
    ELASTIC(false);

    private final boolean parsesStorableText;

    Receiver(boolean parsesStorableText) {
      this.parsesStorableText = parsesStorableText;
    }

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Publishes records atomically: {@link GroupCommitPublisher#publish(List)}. */
  @FunctionalInterface
  public interface Publisher {
    GroupCommitPublisher.Outcome publish(List<ProducerRecord<byte[], byte[]>> records);
  }

  /** The scrubber for an app's events: {@link io.upbeat.intake.auth.ScrubbingTable#forApp}. */
  @FunctionalInterface
  public interface Scrubbers {
    Scrubber forApp(UUID app);
  }

  /** What became of the batches. */
  public sealed interface Outcome {
    /**
     * Durably in Kafka (or there was nothing to write); {@code textReplaced} escapes and strings
     * had characters replaced by U+FFFD.
     */
    record Accepted(int textReplaced) implements Outcome {}

    /** Over the app's rate: nothing written; retry after {@code retryAfter}. */
    record RateLimited(Duration retryAfter) implements Outcome {}

    /** A batch is larger than a Kafka record may be: nothing written, and retrying cannot help. */
    record TooLarge(String message) implements Outcome {}

    /** Kafka did not take the batches in time: nothing written; retry after {@code retryAfter}. */
    record Unavailable(Duration retryAfter) implements Outcome {}
  }

  private final AppRateLimiter rateLimiter;
  private final Publisher publisher;
  private final Topics topics;
  private final Scrubbers scrubbers;
  private final EventBatchCodec.Format format;
  private final Map<Receiver, Counter> replaced = new EnumMap<>(Receiver.class);

  /** A sink writing values in the default encoding ({@link EventBatchCodec.Format#SMILE}). */
  public EventSink(
      AppRateLimiter rateLimiter,
      Publisher publisher,
      Topics topics,
      Scrubbers scrubbers,
      MeterRegistry meters) {
    this(rateLimiter, publisher, topics, scrubbers, EventBatchCodec.Format.SMILE, meters);
  }

  /**
   * @param format how the records' values are encoded ({@code upbeat.intake.publish.value-format})
   */
  public EventSink(
      AppRateLimiter rateLimiter,
      Publisher publisher,
      Topics topics,
      Scrubbers scrubbers,
      EventBatchCodec.Format format,
      MeterRegistry meters) {
    this.rateLimiter = rateLimiter;
    this.publisher = publisher;
    this.topics = topics;
    this.scrubbers = scrubbers;
    this.format = format;
    for (Receiver r : Receiver.values()) {
      replaced.put(r, meters.counter("upbeat.intake.text.replaced", "receiver", r.tag()));
    }
  }

  /**
   * Whether the app may send at all now, checked before its body is read: {@link Duration#ZERO},
   * else how long until it may.
   */
  public Duration mayTry(UUID app) {
    return rateLimiter.mayTry(app) ? Duration.ZERO : rateLimiter.tryTake(app, 1);
  }

  /** The tokens a batch costs: see the class comment. */
  static int tokens(EventBatch b) {
    return b.transactions().size()
        + b.errors().size()
        + b.metrics().size()
        + b.destinationMetrics().size()
        + b.orphanSpans().size();
  }

  /**
   * Publishes {@code batches} of {@code app} (one Kafka record each, all or none), received by
   * {@code receiver}. An empty list is accepted without touching Kafka.
   */
  public Outcome accept(Receiver receiver, UUID app, List<EventBatch> batches) {
    return accept(receiver, app, batches, 0, null);
  }

  /**
   * As {@link #accept(Receiver, UUID, List)}, for a receiver that already replaced {@code
   * escapesReplaced} unstorable escapes in the JSON it read (counted with the strings replaced here
   * once the batches are in Kafka).
   */
  public Outcome accept(
      Receiver receiver, UUID app, List<EventBatch> batches, int escapesReplaced) {
    return accept(receiver, app, batches, escapesReplaced, null);
  }

  /**
   * As {@link #accept(Receiver, UUID, List, int)}, for a request that sent an {@code
   * Idempotency-Key} ({@code key}, or null): each record carries its own key derived from it (see
   * {@link IdempotencyKey#forRecord}) so the processor counts it once however often it is retried.
   */
  public Outcome accept(
      Receiver receiver,
      UUID app,
      List<EventBatch> batches,
      int escapesReplaced,
      IdempotencyKey key) {
    if (batches.isEmpty()) {
      replaced.get(receiver).increment(escapesReplaced);
      return new Outcome.Accepted(escapesReplaced);
    }
    int tokens = 0;
    for (EventBatch b : batches) {
      tokens += tokens(b);
    }
    if (tokens > 0) {
      Duration wait = rateLimiter.tryTake(app, tokens);
      if (!wait.isZero()) {
        return new Outcome.RateLimited(wait);
      }
    }
    Scrubber scrubber = scrubbers.forApp(app);
    StorableBatch storable = new StorableBatch();
    byte[] header = app.toString().getBytes(StandardCharsets.UTF_8);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batches.size());
    for (int i = 0; i < batches.size(); i++) {
      EventBatch b = batches.get(i);
      // Scrubbed before anything is encoded: no secret reaches Kafka, not even in a record
      // refused below.
      EventBatch scrubbed = scrubber.batch(b);
      EventBatchCodec.Encoded encoded =
          EventBatchCodec.encodeRecord(
              receiver.parsesStorableText ? scrubbed : storable.of(scrubbed), format);
      if (encoded.size() > Topics.EVENTS_MAX_RECORD_BYTES) {
        // Kafka would refuse it on every retry: refuse it once, for good (413 is not retried).
        return new Outcome.TooLarge(
            "The request's events are too large once mapped; send smaller batches.");
      }
      // No key: the sticky partitioner spreads every app over all partitions (no hot partition)
      // while filling each batch; the app id travels in the value and in this header.
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(topics.events(), null, encoded.value());
      record.headers().add("upbeat-app", header);
      record.headers().add(EventBatchCodec.PARTS_HEADER, encoded.parts());
      if (encoded.timings() != null) {
        record.headers().add(EventTimings.HEADER, encoded.timings());
      }
      record.headers().add(TraceKeys.HEADER, encoded.traceKeys());
      if (key != null) {
        record
            .headers()
            .add(
                IdempotencyKey.RECORD_HEADER,
                key.forRecord(i, batches.size()).getBytes(StandardCharsets.US_ASCII));
      }
      records.add(record);
    }
    return switch (publisher.publish(records)) {
      case COMMITTED -> {
        int n = escapesReplaced + storable.replaced();
        replaced.get(receiver).increment(n);
        yield new Outcome.Accepted(n);
      }
      case FAILED, REJECTED -> new Outcome.Unavailable(UNAVAILABLE_RETRY);
    };
  }
}
