-- Service map (M15): the calls each app makes to each destination, per minute, counted exactly.
--
-- An exit span (an outgoing HTTP call, a database query) names its destination: "host:port" for
-- a call, the database system for a query. agent-java aggregates its exit spans per destination
-- and minute in-process (like its transaction_metrics); intake aggregates the exit spans of the
-- full transactions and orphan spans that OpenTelemetry, Elastic and plain JSON agents send. The
-- processor's metrics pipeline merges them here in the same transaction as its offsets, so a
-- count is never lost nor doubled, whatever share of the traces is kept in full.
--
-- Which app a destination is (inventory:8080 is the app "inventory") is learnt at read time from
-- the kept traces: an exit span whose id is the parent_id of another app's transaction.
--
-- Like txn_metrics_1m, each Kafka partition's processor writes its own row (source_partition), so
-- two processors never write one row; readers merge the rows of a key. count/failures/sum/min/max
-- are exact; the sketch (DDSketch, the metrics' mapping) gives the edge's p95 within 1 %.
-- Small (apps x destinations x minutes), so not partitioned: the processor's row retention deletes
-- the rows older than the minute metrics' retention through the bucket index.
CREATE TABLE destination_metrics_1m (
    app_id            uuid             NOT NULL,
    environment       text             NOT NULL,
    destination       text             NOT NULL,
    bucket            timestamptz      NOT NULL,
    source_partition  integer          NOT NULL,
    count             bigint           NOT NULL CHECK (count > 0),
    failures          bigint           NOT NULL CHECK (failures >= 0 AND failures <= count),
    sum_ms            double precision NOT NULL,
    min_ms            double precision NOT NULL,
    max_ms            double precision NOT NULL,
    sketch            bytea            NOT NULL,
    PRIMARY KEY (app_id, environment, destination, bucket, source_partition)
);
CREATE INDEX destination_metrics_1m_bucket_idx ON destination_metrics_1m (bucket);
CREATE INDEX destination_metrics_1m_app_bucket_idx ON destination_metrics_1m (app_id, bucket);
