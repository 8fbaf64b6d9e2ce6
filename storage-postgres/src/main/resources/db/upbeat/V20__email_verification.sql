-- A user's e-mail is verified once they follow a link mailed to it (M12): notification e-mails go
-- only to verified members, so nobody can make Upbeat mail an address they do not own by signing
-- up with it. Accounts created before this migration keep receiving what they received:
-- they count as verified from their creation.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

-- Single-use verification links: only the SHA-256 of the token is stored.
CREATE TABLE email_verifications (
    token_hash  bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id, created_at);
