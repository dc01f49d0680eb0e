-- The audit trail becomes tamper-evident (issue: trust and administration). Each tenant's
-- events form one hash chain: event N carries the keyed hash (HMAC-SHA256, key from
-- PARLEY_AUDIT_KEY, never in the database) of its own content, its position and event
-- N-1's hash. Someone who edits, deletes, inserts or reorders rows with the database's
-- own rights cannot make the chain verify again without the key (`parley audit verify`).
--
-- Requests do not link their events themselves: they append unsealed rows (position
-- empty), and the worker's AuditSealService links them in batches, one tenant at a time,
-- holding that tenant's head row. Linking in the request would make every audited request
-- of a tenant queue on one row lock until its commit; the sealer is the chain's only
-- writer, so concurrent writers cannot fork it.

-- ---------------------------------------------------------------------------------
-- One reviewed helper for a new tenant table's isolation (instead of copied DO loops):
-- enables and forces row-level security (FORCE: the table's owner is held to the policy
-- too) and creates the policy that shows and accepts only rows of the transaction's
-- tenant (`SET LOCAL app.tenant_id`, TenantScope). Tables with finer visibility (history
-- windows, departments) add their own policies instead.
CREATE FUNCTION parley_isolate_by_tenant(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format($policy$CREATE POLICY tenant_isolation ON %s
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$policy$, target);
END $$;

-- ---------------------------------------------------------------------------------
-- Where an event came from, and its place in the chain (empty until sealed).
ALTER TABLE audit_events ADD COLUMN client_address text;

ALTER TABLE audit_events ADD COLUMN user_agent text;

ALTER TABLE audit_events ADD COLUMN chain_position bigint;

ALTER TABLE audit_events ADD COLUMN previous_hash bytea;

ALTER TABLE audit_events ADD COLUMN hash bytea;

-- One event per position: a second sealer that raced past the head lock fails here.
CREATE UNIQUE INDEX audit_events_chain ON audit_events (tenant_id, chain_position);

-- What the sealer looks for; small, since events are sealed within seconds.
CREATE INDEX audit_events_unsealed ON audit_events (tenant_id, occurred_at, id) WHERE chain_position IS NULL;

-- Filters of GET /v1/admin/audit-events by action and time.
CREATE INDEX audit_events_action ON audit_events (tenant_id, action, occurred_at DESC);

-- ---------------------------------------------------------------------------------
-- The service appends events and may seal an unsealed one; it may never change an
-- event's content, unseal it, reseal it or delete it. Column grants keep the content
-- columns out of reach; the policies keep sealed rows out of reach.
DROP POLICY audit_event_visibility ON audit_events;

-- Reads: the tenant's events within the caller's history window. The worker (no tenant)
-- sees only unsealed events, to find the tenants that have some.
CREATE POLICY audit_event_reads ON audit_events FOR SELECT
    USING ((tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
            AND occurred_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
           OR (current_setting('app.worker', true) = 'on' AND COALESCE(chain_position, 0) = 0));

CREATE POLICY audit_event_appends ON audit_events FOR INSERT
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND COALESCE(chain_position, 0) = 0);

CREATE POLICY audit_event_seals ON audit_events FOR UPDATE
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND COALESCE(chain_position, 0) = 0)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND COALESCE(chain_position, 0) > 0);

GRANT UPDATE (chain_position, previous_hash, hash) ON audit_events TO parley_app;

-- ---------------------------------------------------------------------------------
-- Each tenant's last sealed position and hash. The sealer locks this row while it links,
-- so two workers never extend one chain at once. `parley audit verify` also compares it
-- with the last event: rows cut off the end of the chain leave the head pointing past it.
CREATE TABLE audit_chain_heads (
    tenant_id       uuid NOT NULL,
    chain_position  bigint NOT NULL,
    hash            bytea NOT NULL,
    sealed_at       timestamptz NOT NULL,
    CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (tenant_id)
);

-- On Citus, distributed right after CREATE TABLE (CITUS.md), co-located with the events.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM create_distributed_table('public.audit_chain_heads', 'tenant_id', colocate_with => 'departments');
END $$;

SELECT parley_isolate_by_tenant('audit_chain_heads');

GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO parley_app;
