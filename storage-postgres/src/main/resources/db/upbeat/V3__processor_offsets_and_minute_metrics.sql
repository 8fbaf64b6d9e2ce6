-- Where each processor stopped on each partition of the events topic. Written in the same
-- transaction as the effects of the records before that offset ("offsets outside Kafka"), so a
-- processor that crashes resumes exactly after what it committed: nothing lost, nothing twice.
-- Each pipeline of the processor (metrics, errors) keeps its own offsets, so each is exactly-once
-- on its own and a pipeline added later starts from the beginning of the retained events.
CREATE TABLE processor_offsets (
    pipeline     text        NOT NULL,
    topic        text        NOT NULL,
    partition    integer     NOT NULL CHECK (partition >= 0),
    next_offset  bigint      NOT NULL CHECK (next_offset >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline, topic, partition)
);

-- Response times per app, environment, transaction type and name, and minute of the events' own
-- timestamps. Each Kafka partition's processor writes its own row (source_partition), so one busy
-- app spread over many partitions never has two writers on a row; queries merge the rows of a key.
-- count/sum/min/max are exact; the sketch (DDSketch, fixed mapping) gives quantiles within 1%.
CREATE TABLE txn_metrics_1m (
    app_id            uuid             NOT NULL,
    environment       text             NOT NULL,
    txn_type          text             NOT NULL,
    txn_name          text             NOT NULL,
    bucket            timestamptz      NOT NULL,
    source_partition  integer          NOT NULL,
    count             bigint           NOT NULL CHECK (count > 0),
    sum_ms            double precision NOT NULL,
    min_ms            double precision NOT NULL,
    max_ms            double precision NOT NULL,
    failures          bigint           NOT NULL CHECK (failures >= 0),
    sketch            bytea            NOT NULL,
    PRIMARY KEY (app_id, environment, txn_type, txn_name, bucket, source_partition)
) PARTITION BY RANGE (bucket);
-- Partitions are one day each, created ahead of time by the processor (see MetricPartitions);
-- retention drops whole partitions instead of deleting rows.
