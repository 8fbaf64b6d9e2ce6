-- Which notification e-mails a user wants (M12): the kinds, everywhere, and the apps they muted.
-- No row means every kind; a muted app sends them none. Dropped with the user or the app.
CREATE TABLE notification_settings (
    user_id     uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kinds       text[]      NOT NULL
                CHECK (kinds <@ ARRAY['new_error', 'regression', 'assigned']::text[]),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification_app_mutes (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id      uuid        NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, app_id)
);
