-- On Citus, distributes the schema by tenant; on plain PostgreSQL, does nothing.
--
-- plans and tenants become reference tables (copied to every node; tenants' UNIQUE(slug)
-- lacks the distribution column). departments is distributed on tenant_id, and every
-- other tenant table is co-located with it, so a request's queries (all of which name
-- their tenant) run on one shard. Migrations after this one that create a tenant table
-- distribute it in the same file, with `create_distributed_table(…, 'tenant_id',
-- colocate_with => 'departments')` when the extension is present.
--
-- Measured on Citus 13.2.2 (CITUS.md):
--  * create_reference_table / create_distributed_table copy existing rows with COPY as the
--    owner, which FORCE ROW LEVEL SECURITY refuses: NO FORCE around each call.
--  * Making plans a reference table tries to convert every table with a foreign key to it
--    into a Citus local table and fails on the partitioned messages:
--    citus.enable_local_reference_table_foreign_keys = off.
--  * ensure_message_partition creates partitions of a distributed table after DDL on the
--    reference table tenants in the same transaction: sequential mode, or Citus refuses
--    ("cannot execute parallel DDL").
--  * search_messages becomes a distributed function delegated to the tenant's shard
--    (force_delegation: it is called inside the request's transaction), so its owner
--    parley_search stays NOLOGIN; it must be called at the top level of a statement.
DO $$
DECLARE
    v_table text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    -- Distributed by hand before this migration existed: nothing to do.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'public.departments'::regclass) THEN
        RETURN;
    END IF;
    SET LOCAL citus.enable_local_reference_table_foreign_keys = off;
    SET LOCAL citus.multi_shard_modify_mode = 'sequential';

    FOREACH v_table IN ARRAY ARRAY['plans', 'tenants'] LOOP
        EXECUTE format('ALTER TABLE public.%I NO FORCE ROW LEVEL SECURITY', v_table);
        PERFORM create_reference_table(format('public.%I', v_table));
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', v_table);
    END LOOP;

    ALTER TABLE public.departments NO FORCE ROW LEVEL SECURITY;
    PERFORM create_distributed_table('public.departments', 'tenant_id', colocate_with => 'none');
    ALTER TABLE public.departments FORCE ROW LEVEL SECURITY;

    -- Referenced tables before the tables that refer to them.
    FOREACH v_table IN ARRAY ARRAY['roles', 'users', 'user_departments', 'refresh_tokens', 'api_keys', 'customers',
                                   'customer_identities', 'conversations', 'conversation_transfers', 'messages',
                                   'message_keys', 'audit_events', 'tags', 'conversation_stars', 'customer_notes',
                                   'customer_note_revisions', 'visits'] LOOP
        EXECUTE format('ALTER TABLE public.%I NO FORCE ROW LEVEL SECURITY', v_table);
        PERFORM create_distributed_table(format('public.%I', v_table), 'tenant_id', colocate_with => 'departments');
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', v_table);
    END LOOP;

    ALTER FUNCTION public.ensure_message_partition(timestamptz) SET citus.multi_shard_modify_mode = 'sequential';
    PERFORM create_distributed_function(
        'public.search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean, timestamptz, uuid, integer)',
        'p_tenant', colocate_with => 'messages', force_delegation => true);
END $$;
