-- Accounts: organisations, their members and apps, and the credentials that reach them.
-- Secrets (API keys, app tokens) are stored only as SHA-256 digests; passwords only as adaptive
-- hashes (bcrypt or Argon2 in Spring Security's "{id}hash" form).

CREATE TABLE orgs (
    id          uuid        PRIMARY KEY,
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid        PRIMARY KEY,
    email          text        NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    name           text        CHECK (length(name) <= 200),
    password_hash  text        NOT NULL CHECK (password_hash ~ '^\{[a-z0-9]+\}'),
    created_at     timestamptz NOT NULL DEFAULT now()
);
-- E-mail addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    org_id      uuid        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text        NOT NULL CHECK (role IN ('owner', 'member')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE apps (
    id          uuid        PRIMARY KEY,
    org_id      uuid        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- Tokens agents (kind 'secret') and CI (kind 'ci') present. A rotated token keeps its row with
-- revoked_at set, so intake can be told to refuse it; at most one live token per app and kind.
CREATE TABLE app_tokens (
    id          uuid        PRIMARY KEY,
    app_id      uuid        NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('secret', 'ci')),
    token_hash  bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX app_tokens_live_key ON app_tokens (app_id, kind) WHERE revoked_at IS NULL;

CREATE TABLE api_keys (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash      bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);
