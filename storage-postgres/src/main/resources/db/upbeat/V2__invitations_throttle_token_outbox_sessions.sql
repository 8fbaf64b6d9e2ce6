-- Invitations: an e-mail invited to an org joins it when it signs up (or at once if it has an
-- account). E-mails are stored lower-cased.
CREATE TABLE invitations (
    org_id      uuid        NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email       text        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
    invited_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, email)
);
CREATE INDEX invitations_email_idx ON invitations (email);

-- Failed logins per e-mail ('email:...') and per client address ('addr:...') in a fixed window;
-- shared by every api-service instance, so the limit holds behind a load balancer.
CREATE TABLE login_failures (
    key           text        PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    failures      integer     NOT NULL CHECK (failures > 0)
);

-- Transactional outbox of app-token changes: written in the same transaction as app_tokens,
-- published in id order to the compacted Kafka topic that intake reads, then deleted.
CREATE TABLE app_token_outbox (
    id          bigserial   PRIMARY KEY,
    token_hash  bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    app_id      uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('secret', 'ci')),
    revoked     boolean     NOT NULL,
    created_at  timestamptz NOT NULL
);

-- Browser sessions (Spring Session JDBC), shared by every api-service instance.
CREATE TABLE spring_session (
    primary_id             char(36)     NOT NULL,
    session_id             char(36)     NOT NULL,
    creation_time          bigint       NOT NULL,
    last_access_time       bigint       NOT NULL,
    max_inactive_interval  integer      NOT NULL,
    expiry_time            bigint       NOT NULL,
    principal_name         varchar(320),
    CONSTRAINT spring_session_pk PRIMARY KEY (primary_id)
);
CREATE UNIQUE INDEX spring_session_ix1 ON spring_session (session_id);
CREATE INDEX spring_session_ix2 ON spring_session (expiry_time);
CREATE INDEX spring_session_ix3 ON spring_session (principal_name);

CREATE TABLE spring_session_attributes (
    session_primary_id  char(36)     NOT NULL,
    attribute_name      varchar(200) NOT NULL,
    attribute_bytes     bytea        NOT NULL,
    CONSTRAINT spring_session_attributes_pk PRIMARY KEY (session_primary_id, attribute_name),
    CONSTRAINT spring_session_attributes_fk FOREIGN KEY (session_primary_id)
        REFERENCES spring_session (primary_id) ON DELETE CASCADE
);
