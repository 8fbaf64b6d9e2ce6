-- Who did what, when, from which address (M12). Append-only: a trigger refuses every UPDATE and
-- TRUNCATE, and every DELETE of a row younger than one year, so only the retention job (which
-- deletes what is older) can remove rows. No foreign keys: the record outlives a deleted org or
-- user for its year.
CREATE TABLE audit_events (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    -- The org it happened in; NULL for an account's own events (sign-in failures, API keys).
    org_id    uuid,
    -- The account it concerns, for account events: shown to the owners of the orgs it belongs to.
    user_id   uuid,
    -- The acting user's e-mail, 'ci:<app id>' for a CI token, or 'anonymous'.
    actor     text        NOT NULL CHECK (length(actor) <= 400),
    action    text        NOT NULL CHECK (length(action) <= 100),
    target    text        CHECK (length(target) <= 1000),
    address   text        CHECK (length(address) <= 100)
);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, id) WHERE org_id IS NOT NULL;
CREATE INDEX audit_events_user_idx ON audit_events (user_id, id) WHERE org_id IS NULL;
CREATE INDEX audit_events_at_idx ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.at < now() - interval '1 year' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
