-- The commit a release was built from (git rev-parse HEAD in CI), so the next release's command
-- can ask for it and list only the commits since. Full shas only, stored lower-case.
ALTER TABLE releases ADD COLUMN head_sha text
    CHECK (head_sha ~ '^([0-9a-f]{40}|[0-9a-f]{64})$');
