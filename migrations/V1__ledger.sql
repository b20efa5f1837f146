-- The audit ledger: append-only, hash-chained per tenant. The hash construction and the flush protocol are
-- documented in crates/writ-ledger/src/lib.rs; the SQL the shells run is in crates/writ-ledger/src/sql.rs.
-- Run by the schema owner (see migrations/README.md); the worker connects as a member of writ_app.

-- The application role. NOLOGIN when created here: login roles are granted it (production), or it is given
-- LOGIN by whoever provisions a local stack. Roles are cluster-wide, so create it only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'writ_app') THEN
        CREATE ROLE writ_app NOLOGIN;
    END IF;
END
$$;

CREATE TABLE ledger_entries (
    tenant      text        NOT NULL CHECK (tenant <> '' AND length(tenant) <= 200),
    chain_pos   bigint      NOT NULL CHECK (chain_pos >= 0),
    run_id      text        NOT NULL CHECK (run_id <> '' AND length(run_id) <= 200),
    seq         bigint      NOT NULL CHECK (seq >= 0),
    -- RFC 3339 text as hashed; a timestamptz would re-spell it and break the recomputation.
    at          text        NOT NULL CHECK (at ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$'),
    -- The event's canonical JSON text, exactly the bytes that were hashed (jsonb would reorder them).
    event       text        NOT NULL,
    event_type  text        GENERATED ALWAYS AS ((event::jsonb) ->> 'type') STORED,
    prev_hash   text        NOT NULL CHECK (prev_hash ~ '^b3:[0-9a-f]{64}$'),
    entry_hash  text        NOT NULL CHECK (entry_hash ~ '^b3:[0-9a-f]{64}$'),
    -- When the flusher wrote the row; not covered by the chain (the hashed time is `at`).
    flushed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, chain_pos),
    UNIQUE (run_id, seq)
);

CREATE INDEX ledger_entries_by_type ON ledger_entries (tenant, event_type);

-- One row per tenant: where its chain ends. The flusher locks it (SELECT ... FOR UPDATE) to serialise the
-- flushes of a tenant, and the verifier compares the chain's end with it to catch a truncated tail.
CREATE TABLE ledger_heads (
    tenant      text        PRIMARY KEY CHECK (tenant <> '' AND length(tenant) <= 200),
    next_pos    bigint      NOT NULL DEFAULT 0 CHECK (next_pos >= 0),
    head_hash   text        NOT NULL DEFAULT 'b3:0000000000000000000000000000000000000000000000000000000000000000'
                            CHECK (head_hash ~ '^b3:[0-9a-f]{64}$'),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Maintenance is allowed only to a superuser who asked for it in the session:
--   SET writ.ledger_maintenance = 'on';
-- A superuser can do anything anyway (disable these triggers, rewrite rows); what the hash chain and the
-- heads make sure is that such a change does not go unnoticed by `writ ledger verify`.
CREATE FUNCTION ledger_maintenance_allowed() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false)
       AND coalesce(current_setting('writ.ledger_maintenance', true), '') = 'on'
$$;

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF ledger_maintenance_allowed() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'only a superuser with writ.ledger_maintenance = on may change ledger rows';
END
$$;

CREATE TRIGGER ledger_entries_no_update_delete
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- Every inserted row must link to the stored row before it: position 0 to the genesis hash, position n to
-- the entry hash of position n - 1. Rows of one INSERT see the rows inserted before them in that statement.
-- (The database cannot check blake3 itself; `writ ledger verify` does.)
CREATE FUNCTION ledger_entries_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    expected text;
BEGIN
    IF NEW.chain_pos = 0 THEN
        expected := 'b3:0000000000000000000000000000000000000000000000000000000000000000';
    ELSE
        SELECT entry_hash INTO expected FROM ledger_entries
         WHERE tenant = NEW.tenant AND chain_pos = NEW.chain_pos - 1;
    END IF;
    IF expected IS NULL OR NEW.prev_hash <> expected THEN
        RAISE EXCEPTION 'ledger entry (tenant %, chain_pos %) does not link to its predecessor', NEW.tenant, NEW.chain_pos
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ledger_entries_link_check
    BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_link();

-- The head only moves forward, and only to the stored tip of the chain; it is never deleted.
CREATE FUNCTION ledger_heads_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF ledger_maintenance_allowed() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'ledger_heads rows cannot be removed: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.tenant <> OLD.tenant OR NEW.next_pos < OLD.next_pos THEN
        RAISE EXCEPTION 'ledger head of % may only move forward', OLD.tenant
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.next_pos > 0 AND NEW.head_hash IS DISTINCT FROM (
           SELECT entry_hash FROM ledger_entries WHERE tenant = NEW.tenant AND chain_pos = NEW.next_pos - 1)
       OR EXISTS (SELECT 1 FROM ledger_entries WHERE tenant = NEW.tenant AND chain_pos >= NEW.next_pos) THEN
        RAISE EXCEPTION 'ledger head of % must point at the stored tip of its chain', NEW.tenant
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ledger_heads_forward_only
    BEFORE UPDATE OR DELETE ON ledger_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_heads_guard();

CREATE TRIGGER ledger_heads_no_truncate
    BEFORE TRUNCATE ON ledger_heads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_heads_guard();

-- What the application may do: append entries, read them, create and advance heads.
REVOKE ALL ON ledger_entries, ledger_heads FROM PUBLIC;
GRANT SELECT, INSERT ON ledger_entries TO writ_app;
GRANT SELECT, INSERT, UPDATE ON ledger_heads TO writ_app;
