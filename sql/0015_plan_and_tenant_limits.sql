-- Plans' retention bounds and tenants' own limits within their plan (PRODUCT.md §2, §6).
--
-- The operator sets a plan's ceilings; a tenant's admins may narrow them for their own
-- tenant (a smaller export row cap, fewer roles that may export, a shorter history window
-- per role) but never widen them: the API refuses a value above the plan (422), and every
-- reader takes the smaller of the two (LEAST), so a later downgrade of the plan is in force
-- on the tenant's next request without rewriting the tenant's stored limits. Nothing here
-- deletes anything.

-- A clean-up rule on this plan keeps conversations at least minimum_retention_days and at
-- most maximum_retention_days; NULL: no bound. The maximum only bounds rules: a tenant with
-- no rule keeps everything (a plan change never deletes by itself).
ALTER TABLE plans ADD COLUMN minimum_retention_days integer
    CONSTRAINT plans_minimum_retention_days_range CHECK (minimum_retention_days BETWEEN 1 AND 36500);
ALTER TABLE plans ADD COLUMN maximum_retention_days integer
    CONSTRAINT plans_maximum_retention_days_range CHECK (maximum_retention_days BETWEEN 1 AND 36500);
ALTER TABLE plans ADD CONSTRAINT plans_retention_bounds_order
    CHECK (minimum_retention_days <= maximum_retention_days);

-- One row per tenant that set its own limits; no row: the plan's limits as they are.
CREATE TABLE tenant_limits (
    tenant_id                uuid NOT NULL,
    -- At most this many rows per export job (the plan's cap applies when it is smaller).
    export_row_cap           integer CONSTRAINT tenant_limits_export_row_cap_range CHECK (export_row_cap BETWEEN 0 AND 1000000),
    -- The base roles whose users may export (custom roles go by their base role).
    export_roles             text[] NOT NULL DEFAULT ARRAY['agent', 'supervisor', 'admin']
        CONSTRAINT tenant_limits_export_roles_known CHECK (export_roles <@ ARRAY['agent', 'supervisor', 'admin']),
    -- How many days back each role sees (the plan's window applies when it is shorter).
    agent_history_days       integer CONSTRAINT tenant_limits_agent_history_days_range CHECK (agent_history_days BETWEEN 1 AND 36500),
    supervisor_history_days  integer CONSTRAINT tenant_limits_supervisor_history_days_range CHECK (supervisor_history_days BETWEEN 1 AND 36500),
    admin_history_days       integer CONSTRAINT tenant_limits_admin_history_days_range CHECK (admin_history_days BETWEEN 1 AND 36500),
    updated_by               uuid,
    updated_at               timestamptz NOT NULL,
    CONSTRAINT tenant_limits_pkey PRIMARY KEY (tenant_id)
);

-- On Citus, distributed right after CREATE TABLE (CITUS.md) and co-located with the other
-- tenant tables, so the per-request user lookup that joins it stays on one shard.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM create_distributed_table('public.tenant_limits', 'tenant_id', colocate_with => 'departments');
END $$;

ALTER TABLE tenant_limits ENABLE ROW LEVEL SECURITY;

ALTER TABLE tenant_limits FORCE ROW LEVEL SECURITY;

-- Every user of the tenant reads them (each request's history window comes from here);
-- the routes let only admins change them (RoleAbilities.managesLimits).
CREATE POLICY tenant_limits_tenant ON tenant_limits
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE ON tenant_limits TO parley_app;
