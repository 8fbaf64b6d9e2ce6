package io.upbeat.api.tokens;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.upbeat.events.AppScrubbingCodec;
import io.upbeat.events.AppTokenCodec;
import io.upbeat.events.AppTokenRecord;
import io.upbeat.events.TokenDigest;
import io.upbeat.events.Topics;
import io.upbeat.support.kafka.KafkaTopics;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers the token outbox to the compacted app-token topic, in order: a live token as its record,
 * a revoked one as a tombstone, both keyed by the token's SHA-256. One instance publishes at a time
 * (a PostgreSQL advisory lock), so a token's creation can never overtake its revocation. Rows are
 * deleted only after Kafka acknowledged them; a failed run is retried by the next.
 *
 * <p>The same run delivers the scrubbing outbox: for each app whose keys changed, its current keys
 * ({@link AppScrubbingCodec}, key {@code scrubbing:<app id>}), or a tombstone when it has none left
 * (or was deleted). Publishing what the row says now rather than what the change said makes the
 * order of changes irrelevant: the last record is always the current state.
 */
@Component
class TokenPublisher {
  private static final Logger log = LoggerFactory.getLogger(TokenPublisher.class);

  /** Advisory lock id: "upbeat tokens" */
  private static final long LOCK = 0x7570626561740001L;

  private static final int BATCH = 500;
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final KafkaTemplate<String, byte[]> kafka;
  private final KafkaTopics kafkaTopics;
  private final String topic;
  private final Counter published;
  private final Timer publishTime;
  private final AtomicLong pending = new AtomicLong();

  TokenPublisher(
      JdbcClient jdbc,
      TransactionTemplate tx,
      KafkaTemplate<String, byte[]> kafka,
      KafkaTopics kafkaTopics,
      Topics topics,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.kafka = kafka;
    this.kafkaTopics = kafkaTopics;
    this.topic = topics.appTokens();
    this.published = meters.counter("upbeat.tokens.published");
    this.publishTime = meters.timer("upbeat.tokens.publish");
    meters.gauge("upbeat.tokens.outbox.pending", pending);
  }

  @Scheduled(
      fixedDelayString = "${upbeat.tokens.publish-interval:250ms}",
      initialDelayString = "${upbeat.tokens.publish-interval:250ms}")
  void publishPending() {
    publishOnce();
  }

  /** Publishes one batch; whether it sent anything (false also when it failed). */
  boolean publishOnce() {
    if (!kafkaTopics.ready()) {
      log.debug("App-token publication waits for its topic: {}", kafkaTopics.problem());
      return false;
    }
    try {
      Integer sent = tx.execute(status -> publishBatch());
      if (sent != null && sent > 0) {
        log.debug("Published {} app-token changes", sent);
      }
      return sent != null && sent > 0;
    } catch (RuntimeException e) {
      // The topic may be gone (deleted, a cluster rebuilt): check it again before the retry.
      kafkaTopics.recheck();
      log.warn("App-token publication failed; will retry: {}", e.toString());
      return false;
    }
  }

  private int publishBatch() {
    Boolean locked =
        jdbc.sql("SELECT pg_try_advisory_xact_lock(:lock)")
            .param("lock", LOCK)
            .query(Boolean.class)
            .single();
    if (!Boolean.TRUE.equals(locked)) {
      return 0; // another instance is publishing
    }
    List<Change> changes =
        jdbc.sql(
                """
                SELECT id, token_hash, app_id, kind, revoked, created_at
                FROM app_token_outbox ORDER BY id LIMIT :limit
                """)
            .param("limit", BATCH)
            .query(
                (rs, n) ->
                    new Change(
                        rs.getLong(1),
                        rs.getBytes(2),
                        rs.getObject(3, UUID.class),
                        rs.getString(4),
                        rs.getBoolean(5),
                        rs.getTimestamp(6).toInstant()))
            .list();
    int scrubbing = publishScrubbing();
    if (!changes.isEmpty()) {
      publishTime.record(() -> send(changes));
      jdbc.sql("DELETE FROM app_token_outbox WHERE id <= :last")
          .param("last", changes.getLast().id())
          .update();
      published.increment(changes.size());
    }
    pending.set(
        jdbc.sql(
                "SELECT (SELECT count(*) FROM app_token_outbox)"
                    + " + (SELECT count(*) FROM app_scrubbing_outbox)")
            .query(Long.class)
            .single());
    return changes.size() + scrubbing;
  }

  /** Delivers a batch of the scrubbing outbox; the number of changes delivered. */
  private int publishScrubbing() {
    List<ScrubbingChange> changes =
        jdbc.sql(
                """
                SELECT o.id, o.app_id, a.scrubbing_keys
                FROM app_scrubbing_outbox o
                LEFT JOIN apps a ON a.id = o.app_id AND a.deleted_at IS NULL
                ORDER BY o.id LIMIT :limit
                """)
            .param("limit", BATCH)
            .query(
                (rs, n) -> {
                  java.sql.Array keys = rs.getArray(3);
                  return new ScrubbingChange(
                      rs.getLong(1),
                      rs.getObject(2, UUID.class),
                      keys == null ? List.of() : List.of((String[]) keys.getArray()));
                })
            .list();
    if (changes.isEmpty()) {
      return 0;
    }
    await(
        changes.stream()
            .map(
                c ->
                    kafka.send(
                        new ProducerRecord<>(
                            topic,
                            AppScrubbingCodec.key(c.appId()),
                            c.keys().isEmpty()
                                ? null
                                : AppScrubbingCodec.encode(c.appId(), c.keys()))))
            .toList());
    jdbc.sql("DELETE FROM app_scrubbing_outbox WHERE id <= :last")
        .param("last", changes.getLast().id())
        .update();
    published.increment(changes.size());
    return changes.size();
  }

  private void send(List<Change> changes) {
    var futures =
        changes.stream()
            .map(
                c ->
                    kafka.send(
                        new ProducerRecord<>(
                            topic,
                            TokenDigest.hex(c.tokenHash()),
                            c.revoked()
                                ? null
                                : AppTokenCodec.encode(
                                    new AppTokenRecord(c.appId(), c.kind(), c.at())))))
            .toList();
    await(futures);
  }

  private void await(List<? extends java.util.concurrent.Future<?>> futures) {
    kafka.flush();
    try {
      for (var f : futures) {
        f.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing tokens", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Kafka did not acknowledge the token changes", e);
    }
  }

  private record ScrubbingChange(long id, UUID appId, List<String> keys) {}

  private record Change(
      long id, byte[] tokenHash, UUID appId, String kind, boolean revoked, java.time.Instant at) {}
}
