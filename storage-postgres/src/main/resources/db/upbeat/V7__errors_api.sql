-- The api-service's default error list: one app's groups of one status, newest last_seen first,
-- paged by (last_seen, id). Serves the keyset condition and the order without a sort.
CREATE INDEX error_groups_app_status_last_seen_idx
    ON error_groups (app_id, status, last_seen DESC, id DESC);
