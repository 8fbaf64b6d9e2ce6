-- Errors per app, group, environment, release and minute of the events' own timestamps: what
-- alert rules on error counts and the environment/release breakdowns read. Written by the errors
-- pipeline in the same transaction as its offsets (exactly once, like error_groups), additively:
-- a row's count grows as late events of its minute arrive. A group's rows are written while the
-- pipeline holds the group's row lock, so writers of one row take turns; source_partition is the
-- lowest events-topic partition of the commit that wrote the count, and queries sum the rows of a
-- key, as for txn_metrics_1m.
-- release is '' when the events named none (so it can be part of the key).
CREATE TABLE error_counts_1m (
    app_id            uuid        NOT NULL,
    group_id          uuid        NOT NULL,
    environment       text        NOT NULL,
    release           text        NOT NULL,
    bucket            timestamptz NOT NULL,
    source_partition  integer     NOT NULL,
    count             bigint      NOT NULL CHECK (count > 0),
    PRIMARY KEY (app_id, group_id, environment, release, bucket, source_partition)
) PARTITION BY RANGE (bucket);
-- Partitions are one day each, created ahead by the processor with txn_metrics_1m's and dropped
-- with them after upbeat.processor.minute-retention-days (see MinutePartitions).
CREATE INDEX error_counts_1m_app_bucket ON error_counts_1m (app_id, bucket);
