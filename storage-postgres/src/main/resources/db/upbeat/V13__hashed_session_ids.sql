-- Browser sessions are kept under the SHA-256 digest of their id (api-service's HashedSessionIds),
-- like API keys and tokens: a reader of this table cannot take over a signed-in session. Sessions
-- stored before keep working: their ids are digested in place.
ALTER TABLE spring_session ALTER COLUMN session_id TYPE char(64);
UPDATE spring_session
SET session_id = encode(sha256(convert_to(session_id, 'UTF8')), 'hex');
