-- Releases posted by CI: one per app, environment and version (posting again merges commits by
-- sha). Events name their release by service.version; they are linked to a release by (app,
-- version, environment) when read, so a release posted after its first events still links up.
CREATE TABLE releases (
    id           uuid        PRIMARY KEY,
    app_id       uuid        NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version      text        NOT NULL CHECK (length(version) BETWEEN 1 AND 200),
    environment  text        NOT NULL CHECK (length(environment) BETWEEN 1 AND 100),
    deployed_at  timestamptz NOT NULL,
    deployer     text,
    ref          text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (app_id, environment, version)
);
CREATE INDEX releases_app_deployed_idx ON releases (app_id, deployed_at DESC);
CREATE INDEX releases_app_version_idx ON releases (app_id, version);

-- The commits a release brought, in the order CI listed them.
CREATE TABLE release_commits (
    release_id    uuid        NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    sha           text        NOT NULL CHECK (sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
    position      integer     NOT NULL,
    author_name   text,
    author_email  text,
    committed_at  timestamptz,
    message       text,
    PRIMARY KEY (release_id, sha)
);
CREATE INDEX release_commits_author_idx ON release_commits (author_email);

-- Files each commit changed, with the changed line ranges (inclusive, in the file as it is after
-- the commit): what suspect-commit assignment matches stack frames against.
CREATE TABLE release_commit_files (
    release_id  uuid    NOT NULL,
    sha         text    NOT NULL,
    path        text    NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),
    change      text    NOT NULL CHECK (change IN ('added', 'modified', 'deleted', 'renamed')),
    lines       jsonb,
    PRIMARY KEY (release_id, sha, path),
    FOREIGN KEY (release_id, sha) REFERENCES release_commits (release_id, sha) ON DELETE CASCADE
);
CREATE INDEX release_commit_files_path_idx ON release_commit_files (path);
CREATE INDEX error_groups_app_first_release_idx ON error_groups (app_id, first_release);
