-- The tail decision (M15): traces kept because something in them went wrong, not by their hash.
--
-- Intake keeps a trace whole by a hash of its id (upbeat.intake.samples.trace-rate), and also sends
-- in full any transaction of a trace that failed or was slow (upbeat.intake.samples.slow-ms). The
-- processor records such a trace here: its samples pipeline for a failed or slow sample, its errors
-- pipeline for every error that carries a trace id, each inside its exactly-once commit, at most
-- upbeat.processor.traces.tail-per-app-minute per app and minute (per events partition). A tail
-- pipeline reads the events topic again upbeat.processor.traces.tail-window (30 s) behind real time
-- and stores, as samples without spans, the transactions of these traces that nothing kept, so the
-- trace view shows every app's part of a trace with an error in it.
--
-- trace_id is the key: the first decision wins (ON CONFLICT DO NOTHING), app_id and reason say
-- whose and why. Only needed while the tail pipeline may still read the trace's records (the
-- window, and its lag after an outage): the processor's row retention deletes rows after an hour.
CREATE TABLE tail_traces (
    trace_id    text        PRIMARY KEY,
    app_id      uuid        NOT NULL,
    reason      text        NOT NULL CHECK (reason IN ('error', 'failure', 'slow')),
    decided_at  timestamptz NOT NULL
);
CREATE INDEX tail_traces_decided_at_idx ON tail_traces (decided_at);
-- An app's deletion purges its rows.
CREATE INDEX tail_traces_app_idx ON tail_traces (app_id);

-- Why a sample is kept: 'head' (its trace's hash, an agent's choice, or intake's rule for failed and
-- slow transactions) or 'tail' (the tail pipeline, for a trace recorded above; no spans).
ALTER TABLE txn_samples ADD COLUMN kept text NOT NULL DEFAULT 'head' CHECK (kept IN ('head', 'tail'));
-- The tail pipeline's cap per app and minute counts its own samples: few rows, a small index.
CREATE INDEX txn_samples_tail_idx ON txn_samples (app_id, started_at) WHERE kept = 'tail';
