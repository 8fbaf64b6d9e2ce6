-- Webhooks per app. Their signing secrets are not stored: each is derived from the server's
-- signing key and the webhook's id (HMAC), shown once at creation and recomputed to sign.
CREATE TABLE webhooks (
    id          uuid        PRIMARY KEY,
    app_id      uuid        NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    url         text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events      text[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX webhooks_app_idx ON webhooks (app_id) WHERE deleted_at IS NULL;

-- One delivery per notification and channel (an e-mail address or a webhook), with its
-- attempts: the delivery log. A claimed delivery is leased (next_attempt_at moves ahead) while it
-- is sent, so a crashed worker's claim expires and the delivery is tried again: at least once.
CREATE TABLE notification_deliveries (
    notification_id  uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel          text        NOT NULL,
    webhook_id       uuid        REFERENCES webhooks (id) ON DELETE CASCADE,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'suppressed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status      integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_due_idx
    ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_webhook_idx ON notification_deliveries (webhook_id, created_at DESC);

-- Server-wide secrets generated on first use when the operator configured none (the webhook
-- signing key), so every api-service instance signs alike.
CREATE TABLE server_secrets (
    name        text        PRIMARY KEY,
    value       bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
