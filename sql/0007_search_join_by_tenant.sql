-- search_messages joined each message to its conversation on `c.tenant_id = m.tenant_id`.
-- On Citus that join pulled 1,000 rows to the coordinator and scanned every shard of
-- conversations; naming the tenant as the function's bound argument ($1 in its dynamic
-- statements, `USING p_tenant, …`) routes it to the tenant's shard (CITUS.md). The same
-- results and plan on plain PostgreSQL.
--
-- Only that one constant of the function changes, so rather than repeating its 150
-- lines from 0004, its definition is read back, the join edited, and the result re-run:
-- CREATE OR REPLACE keeps its owner (parley_search), grants, SECURITY DEFINER and SET options.
DO $$
DECLARE
    v_function regprocedure := 'public.search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean, timestamptz, uuid, integer)';
    v_before   text := ' JOIN public.conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id';
    v_after    text := ' JOIN public.conversations c ON c.tenant_id = $1 AND c.id = m.conversation_id';
    v_source   text := pg_get_functiondef(v_function);
BEGIN
    IF (length(v_source) - length(replace(v_source, v_before, ''))) / length(v_before) <> 1 THEN
        RAISE EXCEPTION 'search_messages does not hold its conversation join exactly once; edit this migration';
    END IF;
    EXECUTE replace(v_source, v_before, v_after);
END $$;
