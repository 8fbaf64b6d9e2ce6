-- API keys become visible and revocable credentials: each has a name its owner recognises, a kind
-- ('login': minted by POST /api/v1/login or sign-up; 'personal': created by the user for a script)
-- and an optional expiry. A key is accepted while revoked_at IS NULL and expires_at is NULL or in
-- the future; api-service checks both on every request (no cache), so revoking takes effect at once.
--
-- The defaults describe the keys that exist before this migration (all minted by login or sign-up)
-- and keep an INSERT that names neither column valid.
ALTER TABLE api_keys
    ADD COLUMN name        text NOT NULL DEFAULT 'login' CHECK (length(name) BETWEEN 1 AND 100),
    ADD COLUMN kind        text NOT NULL DEFAULT 'login' CHECK (kind IN ('login', 'personal')),
    ADD COLUMN expires_at  timestamptz;

-- Existing login keys were issued without an expiry. They get the login keys' 30 days, counted
-- from this upgrade rather than from their creation, so a script that uses one keeps working for a
-- month (long enough to switch to a personal key) instead of breaking at once.
UPDATE api_keys
SET name = 'login ' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
    expires_at = now() + interval '30 days';

-- Lookup by a presented key stays one probe of the unique index on key_hash (from V1); the
-- validity conditions are checked on that one row. Listing a user's keys uses api_keys_user_idx.
