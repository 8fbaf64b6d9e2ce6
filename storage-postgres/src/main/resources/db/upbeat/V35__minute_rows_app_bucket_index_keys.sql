-- The (app_id, bucket) index of V28, made to serve the rollup's reads of one app's hour, also
-- matched two of the six equality conditions of the metrics flush's lookup of its stored rows
-- (a join on the whole primary key). On a day partition without statistics yet (every new day, and
-- every fresh install) the planner chose it over the primary key and visited every row of the
-- app's minute for each key: the metrics pipeline's flushes became 3-4 times slower (bench/processor:
-- 24,000-31,000 transactions/s instead of 84,000; 17 of its 24 s spent in that lookup).
-- With every key column after (app_id, bucket), whichever index the planner picks finds each row
-- by equality on all six columns, and the rollup still reads an app's hour as a range.
DROP INDEX IF EXISTS txn_metrics_1m_app_bucket_idx;
CREATE INDEX txn_metrics_1m_app_bucket_idx
    ON txn_metrics_1m (app_id, bucket, environment, txn_type, txn_name, source_partition);
