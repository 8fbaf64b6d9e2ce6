-- Distinct users of each error group, per environment and hour of the events' own timestamps,
-- as a metrics-model UserSketch: the users' 64-bit hashes while at most 1,024, then an
-- UltraLogLog sketch (16 KiB, within 2 %). A user is the event's context.user.id, else its
-- context.user.email in lower case; events with neither count towards no user. As in
-- txn_metrics_1m, each row is written by the holder of one events partition (source_partition), so
-- two processors never write one row; the API merges a window's rows into one count.
CREATE TABLE error_users_1h (
    group_id          uuid        NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    environment       text        NOT NULL,
    hour              timestamptz NOT NULL,
    source_partition  integer     NOT NULL,
    sketch            bytea       NOT NULL,
    PRIMARY KEY (group_id, environment, hour, source_partition)
) PARTITION BY RANGE (hour);
-- Partitions are one day each, created ahead by the errors pipeline and dropped after the hourly
-- retention (upbeat.processor.hour-retention-days), as txn_metrics_1h's are.
