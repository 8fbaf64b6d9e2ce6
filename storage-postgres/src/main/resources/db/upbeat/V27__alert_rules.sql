-- Alert rules per app (docs/api.md, "Alert rules"). The condition is stored in columns, one
-- threshold for every kind (errors, milliseconds, percent or transactions per minute), so both
-- services read a rule without sharing a JSON shape; io.upbeat.alerting.AlertRules owns the rows.
CREATE TABLE alert_rules (
    id                uuid        PRIMARY KEY,
    app_id            uuid        NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    environment       text,
    kind              text        NOT NULL CHECK (kind IN ('new_error', 'regression', 'error_count',
                                    'latency', 'error_rate', 'throughput_below')),
    statistic         text        CHECK (statistic IN ('avg', 'p50', 'p95', 'p99')),
    threshold         double precision CHECK (threshold > 0),
    window_minutes    integer     CHECK (window_minutes BETWEEN 1 AND 1440),
    for_minutes       integer     CHECK (for_minutes BETWEEN 1 AND 1440),
    min_requests      bigint      CHECK (min_requests >= 1),
    transaction_name  text,
    group_id          uuid,
    email_to          text[]      NOT NULL DEFAULT '{}',
    webhook_ids       uuid[]      NOT NULL DEFAULT '{}',
    cooldown_minutes  integer     NOT NULL DEFAULT 0 CHECK (cooldown_minutes BETWEEN 0 AND 10080),
    -- Created with the app (or by this migration) to reproduce the fixed notifications of before.
    is_default        boolean     NOT NULL DEFAULT false,
    -- Evaluation state, changed only by the evaluator holding the row's lock: the next minute to
    -- evaluate (the fence: each minute is evaluated once), the state, when it last notified a
    -- firing (the cooldown), and whether the current firing episode was notified (its resolve is).
    state             text        NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'firing')),
    state_since       timestamptz,
    next_minute       timestamptz NOT NULL DEFAULT date_trunc('minute', now()),
    last_notified_at  timestamptz,
    episode_notified  boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_app_idx ON alert_rules (app_id, created_at);
CREATE INDEX alert_rules_due_idx ON alert_rules (next_minute)
    WHERE kind IN ('error_count', 'latency', 'error_rate', 'throughput_below');

-- What each rule did: one row per state change, written with the rule's new state and the
-- outbox row that announces it (notified = false within the cooldown).
CREATE TABLE alert_events (
    id               uuid        PRIMARY KEY,
    rule_id          uuid        NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    app_id           uuid        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('firing', 'resolved')),
    at               timestamptz NOT NULL,
    value            double precision,
    environment      text,
    release          text,
    group_id         uuid,
    suspect_sha      text,
    assignee_email   text,
    notified         boolean     NOT NULL,
    notification_id  uuid,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- One event per rule, minute and state (and group, for new-error and regression rules): a
-- duplicate evaluation could not record twice.
CREATE UNIQUE INDEX alert_events_once_idx ON alert_events
    (rule_id, at, state, coalesce(group_id, '00000000-0000-0000-0000-000000000000'));
CREATE INDEX alert_events_rule_idx ON alert_events (rule_id, at DESC);
CREATE INDEX alert_events_app_idx ON alert_events (app_id);

-- Alerts go through the one outbox: same delivery, retries, signing and delivery log.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('new_error', 'regression', 'assigned', 'alert'));
ALTER TABLE notifications ADD COLUMN alert_rule_id uuid REFERENCES alert_rules (id) ON DELETE CASCADE;

-- Every app's default rules: new errors and regressions, mailed to the org's owners and posted to
-- the webhooks subscribed to those kinds, as the fixed notifications did (email_to empty and
-- is_default: "the org's owners"; see docs/api.md).
INSERT INTO alert_rules (id, app_id, name, kind, is_default)
SELECT gen_random_uuid(), a.id, k.name, k.kind, true
FROM apps a CROSS JOIN (VALUES ('New error', 'new_error'), ('Regression', 'regression')) AS k(name, kind)
WHERE a.deleted_at IS NULL;
