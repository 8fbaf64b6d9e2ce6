-- Sampled transactions in full (spans, context): the examples behind the metrics. Agents that
-- aggregate their timings send a few transactions per name and minute in full; the processor keeps
-- at most upbeat.processor.samples-per-minute of them per app, name and minute and source partition,
-- so a busy or misbehaving agent cannot fill the database. The metrics never read this table.
CREATE TABLE txn_samples (
    sample_id        uuid             NOT NULL,
    app_id           uuid             NOT NULL,
    environment      text             NOT NULL,
    txn_type         text             NOT NULL,
    txn_name         text             NOT NULL,
    started_at       timestamptz      NOT NULL,
    duration_ms      double precision NOT NULL,
    transaction_id   text,
    trace_id         text,
    result           text,
    outcome          text,
    service_version  text,
    spans            jsonb            NOT NULL,
    context          jsonb,
    PRIMARY KEY (started_at, sample_id)
) PARTITION BY RANGE (started_at);
-- Daily partitions, created ahead and dropped after the retention by the processor.

CREATE INDEX txn_samples_by_name ON txn_samples (app_id, txn_name, started_at DESC);
