-- Scrubbing at intake: each app's own keys, filtered at intake in addition to the default list
-- (contract "Scrubbing"). At most 100 keys of 1..100 characters, checked by the API.
ALTER TABLE apps ADD COLUMN scrubbing_keys text[] NOT NULL DEFAULT '{}';

-- Transactional outbox of scrubbing-key changes: a row says "this app's keys changed", written in
-- the same transaction as apps.scrubbing_keys. The token publisher delivers the app's current keys
-- to the compacted app-token topic (key scrubbing:<app id>) that intake follows, then deletes it.
CREATE TABLE app_scrubbing_outbox (
    id          bigserial   PRIMARY KEY,
    app_id      uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
