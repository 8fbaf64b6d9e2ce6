-- Deleting apps, orgs and users. A deletion hides its resource at once (deleted_at, checked by
-- api-service's access control and lists) and leaves the rows to a resumable background purge
-- (deletion_jobs), which removes them in bounded batches and finally the app or org row itself.

ALTER TABLE apps ADD COLUMN deleted_at timestamptz;
ALTER TABLE orgs ADD COLUMN deleted_at timestamptz;

-- A deleted app's name is free again at once in its org: only live apps' names are unique.
ALTER TABLE apps DROP CONSTRAINT apps_org_id_name_key;
CREATE UNIQUE INDEX apps_org_name_live_key ON apps (org_id, name) WHERE deleted_at IS NULL;

-- Every app ever deleted, kept after the purge: processors drop the events still in Kafka for
-- these apps (they refresh the set every few seconds), so nothing is written for them again.
CREATE TABLE deleted_apps (
    app_id      uuid        PRIMARY KEY,
    org_id      uuid        NOT NULL,
    deleted_at  timestamptz NOT NULL
);

-- Purge work, claimed by any api-service instance with FOR UPDATE SKIP LOCKED and held under a
-- lease: a worker that dies mid-way loses its lease and another resumes at the recorded step.
-- Pass 1 runs at once; pass 2 (the final sweep, after processors surely know the app is deleted)
-- removes what they wrote meanwhile and then the app or org row. Finished jobs are kept as the
-- record of what was deleted when.
CREATE TABLE deletion_jobs (
    id            bigserial   PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('app', 'org')),
    target_id     uuid        NOT NULL,
    requested_by  uuid,
    created_at    timestamptz NOT NULL,
    pass          smallint    NOT NULL DEFAULT 1 CHECK (pass IN (1, 2)),
    step          integer     NOT NULL DEFAULT 0 CHECK (step >= 0),
    rows_purged   bigint      NOT NULL DEFAULT 0 CHECK (rows_purged >= 0),
    run_after     timestamptz NOT NULL,
    lease_owner   uuid,
    lease_until   timestamptz,
    attempts      integer     NOT NULL DEFAULT 0,
    finished_at   timestamptz,
    UNIQUE (kind, target_id)
);
CREATE INDEX deletion_jobs_due_idx ON deletion_jobs (run_after) WHERE finished_at IS NULL;

-- The purge deletes an app's notifications by app; so far they were only read by group or by age.
CREATE INDEX notifications_app_idx ON notifications (app_id);
