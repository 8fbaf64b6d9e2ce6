package io.upbeat.intake.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.AppScrubbingCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link AppTokenTable} in step with the compacted app-token topic: reads every partition
 * from the beginning, then follows it. Every intake instance reads the whole topic (no consumer
 * group), so each has every token. The topic also carries each app's own scrubbing keys ({@link
 * AppScrubbingCodec}), applied to a {@link ScrubbingTable}. A record it cannot decode is counted
 * and skipped.
 */
public final class TokenFeed implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TokenFeed.class);

  private final Consumer<String, byte[]> consumer;
  private final String topic;
  private final AppTokenTable table;
  private final ScrubbingTable scrubbing;
  private final Counter applied;
  private final Counter undecodable;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private volatile boolean caughtUp;
  private Map<TopicPartition, Long> startEnd;

  public TokenFeed(
      Consumer<String, byte[]> consumer,
      String topic,
      AppTokenTable table,
      ScrubbingTable scrubbing,
      MeterRegistry meters) {
    this.consumer = consumer;
    this.topic = topic;
    this.table = table;
    this.scrubbing = scrubbing;
    this.applied = meters.counter("upbeat.intake.tokens.applied");
    this.undecodable = meters.counter("upbeat.intake.tokens.undecodable");
    meters.gauge("upbeat.intake.tokens.live", table, AppTokenTable::size);
    meters.gauge("upbeat.intake.scrubbing.apps", scrubbing, ScrubbingTable::size);
  }

  /**
   * Whether the table holds everything the topic held when this feed started; until then a valid
   * token could still be unknown, so intake is not ready.
   */
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  public void run() {
    try {
      while (running.get()) {
        try {
          follow();
          return;
        } catch (AuthenticationException | AuthorizationException e) {
          // A wrong login or missing ACLs (or credentials not created yet): intake stays not
          // ready, and the feed tries again rather than die. The table is rebuilt from the
          // beginning; applying a record twice changes nothing.
          log.warn("Kafka refused the app-token feed; retrying: {}", e.toString());
          sleep();
        }
      }
    } catch (WakeupException e) {
      // stop() was called.
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** Reads the topic from the beginning, then follows it until stopped. */
  private void follow() {
    List<TopicPartition> partitions = awaitPartitions();
    if (partitions == null) {
      return;
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    startEnd = new HashMap<>(consumer.endOffsets(partitions));
    while (running.get()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        try {
          if (AppScrubbingCodec.isKey(r.key())) {
            scrubbing.apply(r.key(), r.value());
          } else {
            table.apply(r.key(), r.value());
          }
          applied.increment();
        } catch (IllegalArgumentException e) {
          undecodable.increment();
          log.warn(
              "Skipping undecodable app-token record at {}-{}@{}: {}",
              r.topic(),
              r.partition(),
              r.offset(),
              e.getMessage());
        }
      }
      if (!caughtUp && reachedStartEnd()) {
        caughtUp = true;
        log.info("App-token table loaded: {} live tokens", table.size());
      }
    }
  }

  /** The topic's partitions, waiting while it does not exist yet (no app was ever created). */
  private List<TopicPartition> awaitPartitions() {
    while (running.get()) {
      try {
        var infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (infos != null && !infos.isEmpty()) {
          return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        }
        // No topic yet means no token exists: nothing to wait for.
        caughtUp = true;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        log.warn("Kafka did not answer for the app-token topic; retrying");
      }
      sleep();
    }
    return null;
  }

  private boolean reachedStartEnd() {
    for (Map.Entry<TopicPartition, Long> e : startEnd.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  /** For a feed on a topic that was empty; package tests use it. */
  Set<TopicPartition> assignment() {
    return consumer.assignment();
  }
}
