-- Idempotent intake (contract "Idempotent intake (v2)"): the Idempotency-Key of every record a
-- processor pipeline committed, written in the same transaction as the record's effects and its
-- offset. A record whose (pipeline, app, key) is here and younger than 24 hours is a retry of a batch
-- already counted: the pipeline drops it. The primary key fences two records carrying the same key
-- on different partitions (or processors): the second commit finds the first's row and drops its
-- record. Rows older than 24 hours are reclaimed by a later record with the key and deleted by the
-- processor's retention job.
CREATE TABLE idempotency_keys (
    pipeline text NOT NULL,
    app_id uuid NOT NULL,
    key text NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (app_id, pipeline, key)
);

-- The retention job deletes by age (the primary key, app first, serves lookups and the app purge).
CREATE INDEX idempotency_keys_seen_at ON idempotency_keys (seen_at);
