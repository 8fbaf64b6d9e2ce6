package io.upbeat.api.tokens;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds the app-token topic from PostgreSQL, for when Kafka's copy was lost (topic deleted, a
 * cluster rebuilt without its data): every secret token goes through the outbox again, a live one
 * as its record and a revoked one (or one of a deleted app) as a tombstone, then every app's
 * scrubbing keys. {@link TokenPublisher} delivers them in outbox order, as it delivers every
 * change, so a token rotated while this runs can never end up live again.
 */
final class TokenRepublisher {
  private static final Logger log = LoggerFactory.getLogger(TokenRepublisher.class);

  /** What was queued again. */
  record Queued(long live, long revoked, long scrubbing, long lastTokenId, long lastScrubbingId) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final TokenPublisher publisher;
  private final Clock clock;

  TokenRepublisher(JdbcClient jdbc, TransactionTemplate tx, TokenPublisher publisher, Clock clock) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.publisher = publisher;
    this.clock = clock;
  }

  /**
   * Queues everything and waits until it is delivered (by this process or by any api-service
   * instance: one publishes at a time).
   *
   * @throws IllegalStateException if it is not delivered within {@code timeout} (it stays queued
   *     and any running api-service delivers it)
   */
  Queued republish(Duration timeout) {
    Queued queued = tx.execute(status -> queue());
    log.info(
        "Queued {} live tokens, {} revocations and the scrubbing keys of {} apps; publishing",
        queued.live(),
        queued.revoked(),
        queued.scrubbing());
    Instant deadline = clock.instant().plus(timeout);
    while (pending(queued)) {
      if (clock.instant().isAfter(deadline)) {
        throw new IllegalStateException(
            "not delivered to Kafka within "
                + timeout
                + "; it stays in the outbox, and any running api-service delivers it");
      }
      if (!publisher.publishOnce()) {
        sleep();
      }
    }
    log.info("Republished the app-token topic from PostgreSQL");
    return queued;
  }

  private Queued queue() {
    // Token changes write app_tokens before the outbox, in one transaction: with the table locked
    // against writes, every change not seen here queues its own row after the rows below.
    jdbc.sql("LOCK TABLE app_tokens IN SHARE MODE").update();
    long before = lastId("app_token_outbox");
    jdbc.sql(
            """
            INSERT INTO app_token_outbox (token_hash, app_id, kind, revoked, created_at)
            SELECT t.token_hash, t.app_id, t.kind,
                   t.revoked_at IS NOT NULL OR a.deleted_at IS NOT NULL,
                   coalesce(t.revoked_at, t.created_at)
            FROM app_tokens t JOIN apps a ON a.id = t.app_id
            WHERE t.kind = 'secret'
            ORDER BY t.created_at, t.id
            """)
        .update();
    long live =
        jdbc.sql("SELECT count(*) FROM app_token_outbox WHERE id > :before AND NOT revoked")
            .param("before", before)
            .query(Long.class)
            .single();
    long revoked =
        jdbc.sql("SELECT count(*) FROM app_token_outbox WHERE id > :before AND revoked")
            .param("before", before)
            .query(Long.class)
            .single();
    // The publisher sends an app's current keys, or a tombstone for a deleted app.
    long scrubbing =
        jdbc.sql(
                "INSERT INTO app_scrubbing_outbox (app_id)"
                    + " SELECT id FROM apps WHERE cardinality(scrubbing_keys) > 0")
            .update();
    return new Queued(
        live, revoked, scrubbing, lastId("app_token_outbox"), lastId("app_scrubbing_outbox"));
  }

  private long lastId(String outbox) {
    return jdbc.sql("SELECT coalesce(max(id), 0) FROM " + outbox).query(Long.class).single();
  }

  private boolean pending(Queued queued) {
    return jdbc.sql(
            """
            SELECT EXISTS (SELECT 1 FROM app_token_outbox WHERE id <= :tokens)
                OR EXISTS (SELECT 1 FROM app_scrubbing_outbox WHERE id <= :scrubbing)
            """)
        .param("tokens", queued.lastTokenId())
        .param("scrubbing", queued.lastScrubbingId())
        .query(Boolean.class)
        .single();
  }

  private static void sleep() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
