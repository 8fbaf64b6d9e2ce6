-- Rollup work as a queue of units (M14): a unit is one app's hour (level '1h', rolled up from
-- txn_metrics_1m) or one app's day (level '1d', rolled up from txn_metrics_1h). Replaces
-- rollup_dirty, whose one row per hour was updated by every metrics flush of every app, so all
-- flushes of an hour serialized on it.
--
-- A unit has one marker per writer (source): for '1h' the events-topic partition whose flush
-- wrote minutes of that hour, for '1d' the hour of the day that was rolled up again. Each source
-- has one writer at a time (a partition's holder, the holder of the hour's unit), so markers are
-- upserted without two flushes ever waiting on one row. A writer upserts its marker with
-- ON CONFLICT DO UPDATE ... WHERE false: nothing is written when the marker exists, but the row
-- is locked until the writer commits, so a rollup that claims the unit (locking its markers,
-- then deleting them, then reading the sources) waits for that writer and reads its rows; a
-- writer that comes after the claim finds no marker (or waits for the claim to commit) and leaves
-- a new one. Nothing written is ever missed, and a unit is claimed by one processor at a time
-- (Rollups: an advisory lock per unit, then its markers).
CREATE TABLE rollup_pending (
    level      text        NOT NULL CHECK (level IN ('1h', '1d')),
    app_id     uuid        NOT NULL,
    bucket     timestamptz NOT NULL,
    source     integer     NOT NULL,
    -- When the unit's first unprocessed change was marked: the age of the rollup backlog.
    marked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (level, app_id, bucket, source)
);
-- What the API reads to know which of an app's rollups are stale.
CREATE INDEX rollup_pending_app_idx ON rollup_pending (app_id, bucket);

-- Whatever was dirty under the old scheme is rolled up again under the new one, per app.
INSERT INTO rollup_pending (level, app_id, bucket, source)
SELECT '1h', m.app_id, d.bucket, 0
FROM rollup_dirty d
JOIN LATERAL (
    SELECT DISTINCT app_id FROM txn_metrics_1m
    WHERE bucket >= d.bucket AND bucket < d.bucket + interval '1 hour'
) AS m ON true
WHERE d.level = '1h'
UNION ALL
SELECT '1d', m.app_id, d.bucket, 0
FROM rollup_dirty d
JOIN LATERAL (
    SELECT DISTINCT app_id FROM txn_metrics_1h
    WHERE bucket >= d.bucket AND bucket < d.bucket + interval '1 day'
) AS m ON true
WHERE d.level = '1d'
ON CONFLICT DO NOTHING;

-- rollup_dirty is no longer written or read by this version. It stays for one release so that
-- processors of the previous version keep flushing (and rolling up what they marked) while the
-- services are upgraded one by one (Schema.awaitMigrated accepts a newer schema); the migration
-- after that release drops it.
COMMENT ON TABLE rollup_dirty IS 'unused since V28 (rollup_pending); kept for one-by-one upgrades, dropped later';

-- An app's hour of minutes is read by (app_id, bucket) instead of scanning the app's whole day
-- (the primary key has the transaction name between them). Neither column is ever changed by the
-- flush's upsert, so the upsert stays a HOT update.
CREATE INDEX txn_metrics_1m_app_bucket_idx ON txn_metrics_1m (app_id, bucket);

-- Minute rows are rewritten by every flush that touches their minute: pages keep room for the new
-- version (fillfactor), so the rewrite is a HOT update on the same page, with no index entries
-- written. New partitions are created with it (MinutePartitions); existing ones get it for the
-- pages they fill from now on.
DO $$
DECLARE p regclass;
BEGIN
    FOR p IN
        SELECT inhrelid::regclass FROM pg_inherits
        WHERE inhparent IN ('txn_metrics_1m'::regclass, 'error_counts_1m'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s SET (fillfactor = 70)', p);
    END LOOP;
END $$;
