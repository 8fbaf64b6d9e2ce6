-- Errors grouped by fingerprint (the agent's, or exception types and in-app frames; see the
-- processor's ErrorGrouping). Counts are exact; the newest occurrences are kept in full.
CREATE TABLE error_groups (
    id               uuid        PRIMARY KEY,
    app_id           uuid        NOT NULL,
    fingerprint      text        NOT NULL CHECK (length(fingerprint) = 64),
    type             text        NOT NULL,
    message          text,
    culprit          text,
    count            bigint      NOT NULL CHECK (count > 0),
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    first_release    text,
    last_release     text,
    status           text        NOT NULL DEFAULT 'unresolved'
                                 CHECK (status IN ('unresolved', 'resolved', 'ignored')),
    assignee_email   text,
    assignee_reason  text,
    UNIQUE (app_id, fingerprint)
);
CREATE INDEX error_groups_app_last_seen_idx ON error_groups (app_id, last_seen DESC);

CREATE TABLE error_hourly (
    group_id  uuid        NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    hour      timestamptz NOT NULL,
    count     bigint      NOT NULL CHECK (count > 0),
    PRIMARY KEY (group_id, hour)
);

CREATE TABLE error_occurrences (
    id                bigserial   PRIMARY KEY,
    group_id          uuid        NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    occurred_at       timestamptz NOT NULL,
    event_id          text,
    environment       text        NOT NULL,
    release           text,
    transaction_name  text,
    message           text,
    exception         jsonb       NOT NULL,
    context           jsonb
);
CREATE INDEX error_occurrences_group_time_idx
    ON error_occurrences (group_id, occurred_at DESC, id DESC);
