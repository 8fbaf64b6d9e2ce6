-- Invitations by consent: an invited person joins an org only by accepting with the single-use
-- token that was e-mailed to them (signing up with the same e-mail joins nothing). Only the
-- token's SHA-256 digest is stored. An invitation is pending while it is neither accepted nor
-- revoked and has not expired; at most one is pending per org and e-mail.
--
-- The old invitations (an e-mail that joined on sign-up) had no token and none was ever sent, so
-- they cannot be carried over: they are dropped, and owners invite those people again.
DROP TABLE invitations;

CREATE TABLE invitations (
    id           uuid        PRIMARY KEY,
    org_id       uuid        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email        text        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
    role         text        NOT NULL CHECK (role IN ('owner', 'member')),
    token_hash   bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    invited_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL CHECK (expires_at > created_at),
    accepted_at  timestamptz,
    accepted_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   timestamptz,
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- One open invitation per org and e-mail. An expired one still counts here: inviting again first
-- marks it revoked (in the same transaction), so the index stays a plain partial one.
CREATE UNIQUE INDEX invitations_open_key ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
