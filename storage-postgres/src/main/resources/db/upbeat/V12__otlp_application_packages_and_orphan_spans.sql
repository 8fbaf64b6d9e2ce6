-- An app's own Java packages (e.g. {com.shop}): frames whose agent did not say whether they are
-- in-app (OpenTelemetry's) count as in-app exactly when their class is in one of these. NULL (the
-- default): every class outside the documented well-known library packages counts as in-app.
-- (V12 is left to the Elastic APM intake work, developed in parallel.)
ALTER TABLE apps ADD COLUMN application_packages text[]
    CHECK (application_packages IS NULL OR cardinality(application_packages) BETWEEN 1 AND 100);

-- Spans that arrived without their transaction: OpenTelemetry SDKs export spans as they end, so a
-- transaction (which ends last) may travel in a later request than its children. The samples
-- pipeline adds each to its transaction's sample in txn_samples once both are there, and deletes
-- what found no sample within 10 minutes (the transaction was not sampled, or never came).
-- spans: [{"name", "type", "start_epoch_ms", "duration_ms"}], made relative to the sample when joined.
CREATE TABLE txn_orphan_spans (
    id              bigserial   PRIMARY KEY,
    app_id          uuid        NOT NULL,
    trace_id        text        NOT NULL,
    transaction_id  text        NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    spans           jsonb       NOT NULL
);
CREATE INDEX txn_orphan_spans_by_transaction ON txn_orphan_spans (app_id, trace_id, transaction_id);
CREATE INDEX txn_orphan_spans_by_age ON txn_orphan_spans (received_at);
CREATE INDEX txn_samples_by_transaction ON txn_samples (app_id, trace_id, transaction_id);
