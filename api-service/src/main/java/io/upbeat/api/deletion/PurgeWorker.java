package io.upbeat.api.deletion;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.api.deletion.PurgeSteps.Step;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Purges what deletions left behind, on every api-service instance. A job is claimed with {@code
 * FOR UPDATE SKIP LOCKED} under a lease, so two instances never work on one job; each batch (at
 * most {@code batch-size} rows of one table) commits together with the job's progress and a renewed
 * lease, so a worker that dies loses at most its current batch and the next worker resumes at the
 * recorded step once the lease has expired. A worker whose lease was taken over stops at its next
 * batch, which checks the lease under the job's row lock.
 *
 * <p>An app's job runs twice over its tables: at once, and once more {@code sweep-delay} after the
 * deletion, when every processor has refreshed its set of deleted apps, to remove what they wrote
 * in between; only then is the app row itself deleted. An org's job waits for its apps' jobs, then
 * deletes the org row (memberships and invitations go with it).
 */
@Component
public class PurgeWorker {
  private static final Logger log = LoggerFactory.getLogger(PurgeWorker.class);

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final Deletions deletions;
  private final DeletionProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, Counter> purged = new ConcurrentHashMap<>();
  private final Counter failures;
  private final AtomicLong pending = new AtomicLong();

  PurgeWorker(
      JdbcClient jdbc,
      TransactionTemplate tx,
      Deletions deletions,
      DeletionProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.deletions = deletions;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
    this.failures = meters.counter("upbeat.deletion.batches.failed");
    meters.gauge("upbeat.deletion.jobs.pending", pending);
  }

  @Scheduled(
      fixedDelayString = "${upbeat.deletion.poll-interval:1s}",
      initialDelayString = "${upbeat.deletion.poll-interval:1s}")
  void poll() {
    try {
      runDueJobs();
    } catch (RuntimeException e) {
      log.warn("Purge run failed; will retry: {}", e.toString());
    }
  }

  /**
   * Works on due jobs until none is left that no other worker holds.
   *
   * @return the jobs this call claimed
   */
  public int runDueJobs() {
    int claimed = 0;
    for (Optional<Job> job = claim(); job.isPresent(); job = claim()) {
      claimed++;
      run(job.get());
    }
    pending.set(
        jdbc.sql("SELECT count(*) FROM deletion_jobs WHERE finished_at IS NULL")
            .query(Long.class)
            .single());
    return claimed;
  }

  /** A claimed job: {@code owner} is this claim's lease, checked by every batch. */
  record Job(long id, String kind, UUID target, UUID owner) {}

  private enum Outcome {
    CONTINUE,
    RELEASED,
    FINISHED,
    LOST
  }

  private record Batch(Outcome outcome, String table, int rows) {}

  Optional<Job> claim() {
    UUID owner = UUID.randomUUID();
    Instant now = clock.instant();
    return tx.execute(
        status ->
            jdbc.sql(
                    """
                    UPDATE deletion_jobs
                    SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1
                    WHERE id = (
                      SELECT id FROM deletion_jobs
                      WHERE finished_at IS NULL AND run_after <= :now
                        AND (lease_until IS NULL OR lease_until < :now)
                      ORDER BY run_after, id LIMIT 1
                      FOR UPDATE SKIP LOCKED)
                    RETURNING id, kind, target_id
                    """)
                .param("owner", owner)
                .param("until", Timestamp.from(now.plus(properties.lease())))
                .param("now", Timestamp.from(now))
                .query(
                    (rs, n) ->
                        new Job(rs.getLong(1), rs.getString(2), rs.getObject(3, UUID.class), owner))
                .optional());
  }

  private void run(Job job) {
    while (true) {
      Batch batch;
      try {
        batch = tx.execute(status -> batch(job));
      } catch (RuntimeException e) {
        failures.increment();
        log.warn(
            "Purge of {} {} failed; retried later: {}", job.kind(), job.target(), e.toString());
        release(job, clock.instant().plus(properties.pollInterval().multipliedBy(5)));
        return;
      }
      if (batch.rows() > 0) {
        purged
            .computeIfAbsent(
                batch.table(), t -> meters.counter("upbeat.deletion.rows.purged", "table", t))
            .increment(batch.rows());
      }
      switch (batch.outcome()) {
        case CONTINUE -> {}
        case FINISHED -> {
          log.info("Purged {} {}", job.kind(), job.target());
          return;
        }
        case RELEASED, LOST -> {
          return;
        }
      }
    }
  }

  /** One step of the job, in the caller's transaction, under the job's row lock. */
  private Batch batch(Job job) {
    Instant now = clock.instant();
    Optional<Progress> progress =
        jdbc.sql(
                """
                SELECT pass, step, created_at FROM deletion_jobs
                WHERE id = :id AND lease_owner = :owner AND finished_at IS NULL
                FOR UPDATE
                """)
            .param("id", job.id())
            .param("owner", job.owner())
            .query(
                (rs, n) -> new Progress(rs.getInt(1), rs.getInt(2), rs.getTimestamp(3).toInstant()))
            .optional();
    if (progress.isEmpty()) {
      return new Batch(Outcome.LOST, null, 0); // the lease expired and another worker took over
    }
    Progress p = progress.get();
    return "app".equals(job.kind()) ? appBatch(job, p, now) : orgBatch(job, now);
  }

  private record Progress(int pass, int step, Instant createdAt) {}

  private Batch appBatch(Job job, Progress p, Instant now) {
    if (p.step() < PurgeSteps.APP.size()) {
      Step step = PurgeSteps.APP.get(p.step());
      int rows =
          jdbc.sql(step.sql())
              .param("target", job.target())
              .param("limit", properties.batchSize())
              .update();
      jdbc.sql(
              """
              UPDATE deletion_jobs
              SET rows_purged = rows_purged + :rows, step = step + :advance, lease_until = :until
              WHERE id = :id
              """)
          .param("rows", rows)
          .param("advance", rows < properties.batchSize() ? 1 : 0)
          .param("until", Timestamp.from(now.plus(properties.lease())))
          .param("id", job.id())
          .update();
      return new Batch(Outcome.CONTINUE, step.table(), rows);
    }
    if (p.pass() == 1) {
      // Again after the processors surely know: what they wrote in between goes too.
      Instant sweep = p.createdAt().plus(properties.sweepDelay());
      jdbc.sql(
              """
              UPDATE deletion_jobs
              SET pass = 2, step = 0, run_after = :at, lease_owner = NULL, lease_until = NULL
              WHERE id = :id
              """)
          .param("at", Timestamp.from(sweep.isAfter(now) ? sweep : now))
          .param("id", job.id())
          .update();
      return new Batch(Outcome.RELEASED, null, 0);
    }
    int rows =
        jdbc.sql("DELETE FROM apps WHERE id = :app AND deleted_at IS NOT NULL")
            .param("app", job.target())
            .update();
    finish(job, rows, now);
    return new Batch(Outcome.FINISHED, "apps", rows);
  }

  private Batch orgBatch(Job job, Instant now) {
    // An app created while the org was being deleted is deleted now, like the others.
    deletions.deleteLiveApps(job.target(), null, now);
    long unfinished =
        jdbc.sql(
                """
                SELECT count(*) FROM deletion_jobs j JOIN deleted_apps d ON d.app_id = j.target_id
                WHERE j.kind = 'app' AND j.finished_at IS NULL AND d.org_id = :org
                """)
            .param("org", job.target())
            .query(Long.class)
            .single();
    if (unfinished > 0) {
      jdbc.sql(
              """
              UPDATE deletion_jobs SET run_after = :at, lease_owner = NULL, lease_until = NULL
              WHERE id = :id
              """)
          .param("at", Timestamp.from(now.plus(properties.orgWait())))
          .param("id", job.id())
          .update();
      return new Batch(Outcome.RELEASED, null, 0);
    }
    int rows =
        jdbc.sql("DELETE FROM orgs WHERE id = :org AND deleted_at IS NOT NULL")
            .param("org", job.target())
            .update();
    finish(job, rows, now);
    return new Batch(Outcome.FINISHED, "orgs", rows);
  }

  private void finish(Job job, int rows, Instant now) {
    jdbc.sql(
            """
            UPDATE deletion_jobs
            SET finished_at = :now, rows_purged = rows_purged + :rows,
                lease_owner = NULL, lease_until = NULL
            WHERE id = :id
            """)
        .param("now", Timestamp.from(now))
        .param("rows", rows)
        .param("id", job.id())
        .update();
  }

  private void release(Job job, Instant at) {
    try {
      jdbc.sql(
              """
              UPDATE deletion_jobs SET run_after = :at, lease_owner = NULL, lease_until = NULL
              WHERE id = :id AND lease_owner = :owner AND finished_at IS NULL
              """)
          .param("at", Timestamp.from(at))
          .param("id", job.id())
          .param("owner", job.owner())
          .update();
    } catch (RuntimeException e) {
      log.warn("Could not release purge job {}; its lease expires: {}", job.id(), e.toString());
    }
  }
}
