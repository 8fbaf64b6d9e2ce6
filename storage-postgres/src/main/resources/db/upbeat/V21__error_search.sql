-- Error search (GET /api/v1/apps/{id}/errors?query=). Free words are case-insensitive substrings
-- of type, message and culprit, matched with ILIKE on the expression below; the trigram index
-- lets PostgreSQL find rare words among millions of groups without reading them all. The
-- expression must stay exactly as ErrorGroups writes it (a newline between the fields, which a
-- query, holding no control characters, can never match across).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX error_groups_search_trgm_idx ON error_groups USING gin (
    (type || E'\n' || coalesce(message, '') || E'\n' || coalesce(culprit, '')) gin_trgm_ops);

-- environment:, the environment parameter, user: and tag. look at a group's stored occurrences;
-- this keeps the environment probe to an index lookup per group.
CREATE INDEX error_occurrences_group_environment_idx ON error_occurrences (group_id, environment);

-- user:<id> and tag.<key>:<value> match a group when one of its stored occurrences carries the
-- value in its context (context.user.id, context.tags); these indexes let PostgreSQL start from
-- the few matching occurrences instead of probing every group of the app.
CREATE INDEX error_occurrences_user_idx ON error_occurrences ((context -> 'user' ->> 'id'));
CREATE INDEX error_occurrences_tags_idx
    ON error_occurrences USING gin ((context -> 'tags') jsonb_path_ops);

-- release:<v> probes each candidate group's occurrences for the release: one index lookup each.
CREATE INDEX error_occurrences_group_release_idx ON error_occurrences (group_id, release);

-- A search sorted by count or first_seen walks these in order and stops at the page's end, as
-- sort=last_seen walks error_groups_app_status_last_seen_idx, instead of sorting every match.
CREATE INDEX error_groups_app_count_idx ON error_groups (app_id, count DESC, id DESC);
CREATE INDEX error_groups_app_first_seen_idx ON error_groups (app_id, first_seen DESC, id DESC);
