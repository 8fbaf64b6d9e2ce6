-- Triage: the suspect commit behind a group (found by the processor when the group appears or
-- regresses), regression tracking, ownership rules, and the notification outbox.
ALTER TABLE error_groups
    ADD COLUMN suspect_sha           text,
    ADD COLUMN suspect_author_email  text,
    ADD COLUMN suspect_message       text,
    ADD COLUMN suspect_path          text,
    ADD COLUMN suspect_lines         jsonb,
    ADD COLUMN suspect_frame         text,
    ADD COLUMN suspect_release       text,
    ADD COLUMN regressed             boolean     NOT NULL DEFAULT false,
    ADD COLUMN resolved_at           timestamptz,
    -- The newest release of the app (in the group's environment) when it was resolved: events of
    -- a release deployed after it reopen the group, events of it or older ones never do.
    ADD COLUMN resolved_in_release   text,
    ADD COLUMN resolved_environment  text;

-- CODEOWNERS-style rules per app (path-glob owner-email..., last match wins), as the user wrote them.
CREATE TABLE ownership_rules (
    app_id      uuid        PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    rules       text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The transactional outbox: written in the same transaction as the change that causes it (a new
-- group, a regression, an assignment), delivered afterwards by a worker with retries. The id is
-- the deduplication key receivers see.
-- No foreign key to apps: the processor writes it for whatever app an event names, and must
-- never be stuck on an app deleted meanwhile.
CREATE TABLE notifications (
    id          uuid        PRIMARY KEY,
    app_id      uuid        NOT NULL,
    group_id    uuid        REFERENCES error_groups (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('new_error', 'regression', 'assigned')),
    payload     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz
);
CREATE INDEX notifications_undispatched_idx ON notifications (created_at) WHERE dispatched_at IS NULL;
