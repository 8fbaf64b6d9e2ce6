-- Distributed traces (M15): the ids that join a trace's parts across apps.
--
-- txn_samples.parent_id: the id of the span (in another app's transaction, or this app's) that
-- called this transaction, from the incoming W3C traceparent; null for a trace's root. Spans keep
-- their own "id", "parent_id" and "destination" inside the spans JSON.
ALTER TABLE txn_samples ADD COLUMN parent_id text;
CREATE INDEX txn_samples_by_trace ON txn_samples (trace_id, started_at) WHERE trace_id IS NOT NULL;

-- An error's place in its trace: the trace, the transaction it happened in and the span (or
-- transaction) that was current when it was captured.
ALTER TABLE error_occurrences ADD COLUMN trace_id text;
ALTER TABLE error_occurrences ADD COLUMN transaction_id text;
ALTER TABLE error_occurrences ADD COLUMN parent_id text;
CREATE INDEX error_occurrences_by_trace ON error_occurrences (trace_id) WHERE trace_id IS NOT NULL;
