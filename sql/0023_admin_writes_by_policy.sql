-- Admin rules enforced by PostgreSQL, not only by the routes (issue: trust and
-- administration). In a signed-in user's transaction, the tables of the tenant's
-- organisation and settings may be written only when that user is an admin *as stored now*
-- (`SET LOCAL app.role`, set by TenantScope from the users table, beside app.user_id).
-- Transactions without a user (sign-in bookkeeping, integrations, jobs, the operator
-- creating a tenant) write as before: they are the service's own work.
--
-- Permissive policies whose own conditions carry the restriction: Citus drops AS
-- RESTRICTIVE on every shard (CITUS.md). No IS NULL in a policy (Citus cannot deparse it):
-- an unset or reset setting reads as '' through COALESCE.

-- Replaces `replaced_policy` (a FOR ALL policy of the tenant) on `target` with: the
-- tenant's rows readable by anyone of the tenant, writable only by admins or by work
-- without a user. One place for the rule, so every table gets exactly the same one.
CREATE FUNCTION parley_admin_writes_only(target regclass, replaced_policy text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tenant constant text := $rule$tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid$rule$;
    writer constant text := $rule$(COALESCE(current_setting('app.user_id', true), '') = ''
                                   OR current_setting('app.role', true) = 'admin')$rule$;
BEGIN
    EXECUTE format('DROP POLICY %I ON %s', replaced_policy, target);
    EXECUTE format('CREATE POLICY tenant_reads ON %s FOR SELECT USING (%s)', target, tenant);
    EXECUTE format('CREATE POLICY admin_inserts ON %s FOR INSERT WITH CHECK (%s AND %s)', target, tenant, writer);
    EXECUTE format('CREATE POLICY admin_updates ON %s FOR UPDATE USING (%s AND %s) WITH CHECK (%s AND %s)',
                   target, tenant, writer, tenant, writer);
    EXECUTE format('CREATE POLICY admin_deletes ON %s FOR DELETE USING (%s AND %s)', target, tenant, writer);
END $$;

SELECT parley_admin_writes_only('users', 'tenant_isolation');

SELECT parley_admin_writes_only('user_departments', 'tenant_isolation');

SELECT parley_admin_writes_only('departments', 'tenant_isolation');

SELECT parley_admin_writes_only('roles', 'tenant_isolation');

SELECT parley_admin_writes_only('api_keys', 'tenant_isolation');

SELECT parley_admin_writes_only('tags', 'tenant_isolation');

SELECT parley_admin_writes_only('tenant_limits', 'tenant_limits_tenant');

SELECT parley_admin_writes_only('tenant_sign_in_rules', 'tenant_isolation');

SELECT parley_admin_writes_only('cleanup_rules', 'cleanup_rules_tenant');

SELECT parley_admin_writes_only('legal_holds', 'legal_holds_tenant');
