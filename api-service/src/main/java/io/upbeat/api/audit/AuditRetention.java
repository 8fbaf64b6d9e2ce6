package io.upbeat.api.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.params.Times;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes audit events older than one year, in bounded batches. Instances running it at the same
 * time delete disjoint or already-deleted rows, so no fence is needed; the table's trigger refuses
 * any younger row, so this job cannot shorten the year even if misconfigured.
 */
@Component
public class AuditRetention {
  private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);
  static final Duration KEEP = Duration.ofDays(366);
  private static final int BATCH = 5_000;

  private final JdbcClient jdbc;
  private final Clock clock;
  private final Counter purged;

  AuditRetention(JdbcClient jdbc, Clock clock, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.purged =
        Counter.builder("upbeat.audit.purged")
            .description("Audit events deleted after their year")
            .register(meters);
  }

  @Scheduled(fixedDelayString = "${upbeat.audit.retention-interval:1h}", initialDelay = 60_000)
  void run() {
    try {
      while (purge() == BATCH) {
        // drain
      }
    } catch (RuntimeException e) {
      log.warn("Audit retention pass failed ({}); the next pass retries", e.toString());
    }
  }

  /** Deletes one batch of expired events; returns how many. */
  public int purge() {
    int n =
        jdbc.sql(
                """
                DELETE FROM audit_events WHERE id IN (
                  SELECT id FROM audit_events WHERE at < :cutoff ORDER BY id LIMIT :n)
                """)
            .param("cutoff", Times.bind(clock.instant().minus(KEEP)))
            .param("n", BATCH)
            .update();
    purged.increment(n);
    return n;
  }
}
