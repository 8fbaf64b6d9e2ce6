-- Hourly and daily response-time metrics, rolled up from the minute rows by merging their
-- sketches: one row per key and bucket (all source partitions merged). Kept longer than minutes:
-- 1h 90 days, 1d 2 years by default; expiry drops whole partitions.
CREATE TABLE txn_metrics_1h (
    app_id       uuid             NOT NULL,
    environment  text             NOT NULL,
    txn_type     text             NOT NULL,
    txn_name     text             NOT NULL,
    bucket       timestamptz      NOT NULL,
    count        bigint           NOT NULL CHECK (count > 0),
    sum_ms       double precision NOT NULL,
    min_ms       double precision NOT NULL,
    max_ms       double precision NOT NULL,
    failures     bigint           NOT NULL CHECK (failures >= 0),
    sketch       bytea            NOT NULL,
    PRIMARY KEY (app_id, environment, txn_type, txn_name, bucket)
) PARTITION BY RANGE (bucket);

CREATE TABLE txn_metrics_1d (
    app_id       uuid             NOT NULL,
    environment  text             NOT NULL,
    txn_type     text             NOT NULL,
    txn_name     text             NOT NULL,
    bucket       timestamptz      NOT NULL,
    count        bigint           NOT NULL CHECK (count > 0),
    sum_ms       double precision NOT NULL,
    min_ms       double precision NOT NULL,
    max_ms       double precision NOT NULL,
    failures     bigint           NOT NULL CHECK (failures >= 0),
    sketch       bytea            NOT NULL,
    PRIMARY KEY (app_id, environment, txn_type, txn_name, bucket)
) PARTITION BY RANGE (bucket);

-- Buckets whose source rows changed since they were last rolled up (late events included): the
-- metrics pipeline marks them in its flush transaction, the rollup job recomputes and clears
-- them. The version lets the job clear only what it has seen.
CREATE TABLE rollup_dirty (
    level    text        NOT NULL CHECK (level IN ('1h', '1d')),
    bucket   timestamptz NOT NULL,
    version  bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (level, bucket)
);
