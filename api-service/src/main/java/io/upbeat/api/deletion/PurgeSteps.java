package io.upbeat.api.deletion;

import java.util.List;

/**
 * What the purge deletes, table by table, in an order that never leaves a child row without its
 * parent (deliveries before notifications, occurrences before groups, files before commits before
 * releases). Each statement deletes at most {@code :limit} rows of the {@code :target} app, by
 * primary key, so one statement's locks stay small however big the app is; it runs until it deletes
 * fewer than the limit.
 *
 * <p>A job in progress records the index of its step ({@code deletion_jobs.step}): new tables get
 * new steps at the end, never in between, so a job started before an upgrade goes on where it was.
 *
 * <p>Not here: {@code processor_offsets} (per partition, not per app) and {@code app_token_outbox}
 * (its rows are the revocations themselves, deleted once published).
 */
final class PurgeSteps {
  private PurgeSteps() {}

  /** One table's batch. */
  record Step(String table, String sql) {}

  static final List<Step> APP =
      List.of(
          new Step(
              "notification_deliveries",
              """
              DELETE FROM notification_deliveries WHERE (notification_id, channel) IN (
                SELECT d.notification_id, d.channel FROM notification_deliveries d
                JOIN notifications n ON n.id = d.notification_id
                WHERE n.app_id = :target LIMIT :limit)
              """),
          new Step(
              "notifications",
              """
              DELETE FROM notifications WHERE id IN (
                SELECT id FROM notifications WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "error_occurrences",
              """
              DELETE FROM error_occurrences WHERE id IN (
                SELECT o.id FROM error_occurrences o JOIN error_groups g ON g.id = o.group_id
                WHERE g.app_id = :target LIMIT :limit)
              """),
          new Step(
              "error_hourly",
              """
              DELETE FROM error_hourly WHERE (group_id, hour) IN (
                SELECT h.group_id, h.hour FROM error_hourly h JOIN error_groups g ON g.id = h.group_id
                WHERE g.app_id = :target LIMIT :limit)
              """),
          // Before its parent, like error_hourly (its rows would otherwise go by cascade, many
          // per group, in the groups' batches). Inserted mid-list: a job that was mid-way when
          // this was deployed resumes at a stored index that now names the step before its own,
          // which deletes nothing more, so no table is skipped.
          new Step(
              "error_users_1h",
              """
              DELETE FROM error_users_1h
              WHERE (group_id, environment, hour, source_partition) IN (
                SELECT u.group_id, u.environment, u.hour, u.source_partition
                FROM error_users_1h u JOIN error_groups g ON g.id = u.group_id
                WHERE g.app_id = :target LIMIT :limit)
              """),
          new Step(
              "error_groups",
              """
              DELETE FROM error_groups WHERE id IN (
                SELECT id FROM error_groups WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "txn_samples",
              """
              DELETE FROM txn_samples WHERE (started_at, sample_id) IN (
                SELECT started_at, sample_id FROM txn_samples WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "txn_orphan_spans",
              """
              DELETE FROM txn_orphan_spans WHERE id IN (
                SELECT id FROM txn_orphan_spans WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "txn_metrics_1m",
              """
              DELETE FROM txn_metrics_1m
              WHERE (app_id, environment, txn_type, txn_name, bucket, source_partition) IN (
                SELECT app_id, environment, txn_type, txn_name, bucket, source_partition
                FROM txn_metrics_1m WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "destination_metrics_1m",
              """
              DELETE FROM destination_metrics_1m
              WHERE (app_id, environment, destination, bucket, source_partition) IN (
                SELECT app_id, environment, destination, bucket, source_partition
                FROM destination_metrics_1m WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "txn_metrics_1h",
              """
              DELETE FROM txn_metrics_1h
              WHERE (app_id, environment, txn_type, txn_name, bucket) IN (
                SELECT app_id, environment, txn_type, txn_name, bucket
                FROM txn_metrics_1h WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "txn_metrics_1d",
              """
              DELETE FROM txn_metrics_1d
              WHERE (app_id, environment, txn_type, txn_name, bucket) IN (
                SELECT app_id, environment, txn_type, txn_name, bucket
                FROM txn_metrics_1d WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "release_commit_files",
              """
              DELETE FROM release_commit_files WHERE (release_id, sha, path) IN (
                SELECT f.release_id, f.sha, f.path FROM release_commit_files f
                JOIN releases r ON r.id = f.release_id
                WHERE r.app_id = :target LIMIT :limit)
              """),
          new Step(
              "release_commits",
              """
              DELETE FROM release_commits WHERE (release_id, sha) IN (
                SELECT c.release_id, c.sha FROM release_commits c JOIN releases r ON r.id = c.release_id
                WHERE r.app_id = :target LIMIT :limit)
              """),
          new Step(
              "releases",
              """
              DELETE FROM releases WHERE id IN (
                SELECT id FROM releases WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "webhooks",
              """
              DELETE FROM webhooks WHERE id IN (
                SELECT id FROM webhooks WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "ownership_rules",
              """
              DELETE FROM ownership_rules WHERE app_id IN (
                SELECT app_id FROM ownership_rules WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "app_tokens",
              """
              DELETE FROM app_tokens WHERE id IN (
                SELECT id FROM app_tokens WHERE app_id = :target LIMIT :limit)
              """),
          // Steps added later go last: a job that was mid-way when it was deployed resumes at its
          // stored step index, which must keep naming the same table.
          new Step(
              "error_counts_1m",
              """
              DELETE FROM error_counts_1m
              WHERE (app_id, group_id, environment, release, bucket, source_partition) IN (
                SELECT app_id, group_id, environment, release, bucket, source_partition
                FROM error_counts_1m WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "notification_app_mutes",
              """
              DELETE FROM notification_app_mutes WHERE (user_id, app_id) IN (
                SELECT user_id, app_id FROM notification_app_mutes WHERE app_id = :target
                LIMIT :limit)
              """),
          new Step(
              "alert_events",
              """
              DELETE FROM alert_events WHERE id IN (
                SELECT id FROM alert_events WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "alert_rules",
              """
              DELETE FROM alert_rules WHERE id IN (
                SELECT id FROM alert_rules WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "rollup_pending",
              """
              DELETE FROM rollup_pending WHERE (level, app_id, bucket, source) IN (
                SELECT level, app_id, bucket, source
                FROM rollup_pending WHERE app_id = :target LIMIT :limit)
              """),
          new Step(
              "idempotency_keys",
              """
              DELETE FROM idempotency_keys WHERE (app_id, pipeline, key) IN (
                SELECT app_id, pipeline, key FROM idempotency_keys WHERE app_id = :target
                LIMIT :limit)
              """),
          new Step(
              "tail_traces",
              """
              DELETE FROM tail_traces WHERE trace_id IN (
                SELECT trace_id FROM tail_traces WHERE app_id = :target LIMIT :limit)
              """));
}
