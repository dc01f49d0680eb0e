-- Full-text search over message text, Chinese included (ARCHITECTURE.md, "Search").
--
-- The vector is computed by the service's tokenizer (Swift, Sources/Search), not by
-- to_tsvector: PostgreSQL's parser does not split Chinese, and tokenizing in the
-- stateless API processes keeps that cost off the shared database.
-- search_version records which tokenizer wrote a row; `parley reindex` rewrites older ones.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_search') THEN
        RAISE EXCEPTION 'role parley_search does not exist: create it (NOLOGIN, BYPASSRLS) and grant it to the owning role before migrating';
    END IF;
END $$;

-- A trusted extension: the database owner may create it. It lets one GIN index lead
-- with tenant_id, so a tenant's search never reads another tenant's postings.
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE messages ADD COLUMN search_vector tsvector, ADD COLUMN search_version smallint;

-- The literal's type must match the column's exactly (uuid = uuid) or the planner
-- skips the tenant column of this index.
CREATE INDEX messages_search ON messages USING gin (tenant_id, search_vector);
-- Newest-first walks of a tenant's messages (search bounds, attachments by time, reindex).
CREATE INDEX messages_recent ON messages (tenant_id, created_at DESC, id DESC);

-- Search runs through this function because row-level security disables text
-- indexes: `@@` is not LEAKPROOF, so under a policy PostgreSQL filters a tenant's rows
-- one by one (measured 7.6 ms → 145 ms). The function is owned by parley_search, which
-- bypasses RLS, and re-applies exactly the visibility rule of the policies on
-- `messages` from the same session settings. A test holds the two to the same results.
--
-- Hardening, each measured or attacked in ARCHITECTURE.md:
--  * PL/pgSQL, not SQL: a SQL SECURITY DEFINER function is planned with unknown parameters.
--  * search_path pinned AND every name schema-qualified: a temporary table called
--    "messages" must not be read instead of ours.
--  * the tenant argument must equal the session's app.tenant_id; no context, no rows.
--  * force_custom_plan: each month's query is planned with its real bounds, so it
--    touches one partition.
--  * EXECUTE revoked from PUBLIC; granted to the service role only.
--
-- History is read newest first in three windows — the last month, the five before,
-- then everything older — and reading stops when the page is full: a common term costs
-- the postings of the newest month, not the whole history, and a rare one three
-- queries. Each is planned with its own bounds so it touches only its partitions;
-- planning is most of a rare term's cost (about 1.5 ms a query on 2 cores), which is
-- why there are few windows rather than one per month.
-- Filters: those of the conversation list (time on the message's send time, channel,
-- agent, department, status, customers, tags — all of them —, satisfaction with
-- 'none' for unrated, has-attachment), each NULL for "any".
CREATE FUNCTION search_messages(
    p_tenant          uuid,
    p_query           tsquery,
    p_from            timestamptz,
    p_to              timestamptz,
    p_channel         text,
    p_agent           uuid,
    p_department      uuid,
    p_status          text,
    p_customers       uuid[],
    p_tags            uuid[],
    p_satisfaction    text,
    p_has_attachment  boolean,
    p_cursor_time     timestamptz,
    p_cursor_id       uuid,
    p_limit           integer)
-- Returns what a result page shows of the message and its conversation, so the caller
-- never joins `messages` again: under RLS that join cannot use the function's few rows
-- to drive it, and was measured scanning the whole tenant. ROWS tells the planner the
-- result is a page, not the default thousand rows.
RETURNS TABLE (message_id uuid, conversation_id uuid, created_at timestamptz, kind text, sender_side text,
               sender_id text, body text, attachment jsonb, external_id text,
               channel text, status text, customer_id uuid, agent_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER
ROWS 20
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
-- Parallel workers cost more to start than a page of postings takes to read (measured
-- 36–39 ms with them, 24–26 ms without, for a common term on the 200k-message tenant).
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    v_tenant      uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
    v_scope_all   boolean := coalesce(current_setting('app.scope', true) = 'all', false);
    v_departments uuid[] := string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[];
    v_user        uuid := NULLIF(current_setting('app.user_id', true), '')::uuid;
    v_since       timestamptz := coalesce(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity');
    v_floor       timestamptz;
    v_upper       timestamptz;
    v_lower       timestamptz;
    v_windows     interval[] := ARRAY[interval '1 month', interval '6 months'];
    v_step        integer := 1;
    v_remaining   integer := least(greatest(coalesce(p_limit, 0), 0), 10000);
    v_found       integer;
    -- Without conversation filters, conversations are joined only for the page's rows.
    v_plain       boolean := p_agent IS NULL AND p_department IS NULL AND p_status IS NULL AND p_customers IS NULL
                             AND p_tags IS NULL AND p_satisfaction IS NULL AND p_has_attachment IS NULL;
BEGIN
    IF v_tenant IS NULL OR p_tenant IS DISTINCT FROM v_tenant OR p_query IS NULL THEN
        RETURN;
    END IF;
    v_floor := greatest(coalesce(p_from, '-infinity'), v_since);
    -- Ingestion accepts messages up to a day ahead (clock skew); nothing is newer.
    v_upper := least(now() + interval '2 days', coalesce(p_to, 'infinity'),
                     coalesce(p_cursor_time + interval '1 microsecond', 'infinity'));

    WHILE v_remaining > 0 AND v_upper > v_floor LOOP
        v_lower := CASE WHEN v_step <= array_length(v_windows, 1) THEN greatest(v_floor, v_upper - v_windows[v_step])
                        ELSE v_floor END;
        IF v_plain THEN
            -- The page is chosen from messages alone; joining conversations first made a
            -- common term join every match (measured 24–52 ms → 0.6 ms on 2M messages).
            RETURN QUERY
                SELECT m.id, m.conversation_id, m.created_at, m.kind, m.sender_side, m.sender_id, m.body, m.attachment,
                       m.external_id, c.channel, c.status, c.customer_id, c.agent_id
                FROM (SELECT m.* FROM public.messages m
                      WHERE m.tenant_id = p_tenant
                        AND m.created_at >= v_lower AND m.created_at < v_upper
                        AND m.search_vector @@ p_query
                        -- The visibility rule of policy message_visibility, from the same settings.
                        AND (v_scope_all OR m.department_id = ANY (v_departments) OR v_user = ANY (m.participant_ids))
                        AND m.created_at >= v_since
                        AND (p_cursor_time IS NULL OR (m.created_at, m.id) < (p_cursor_time, p_cursor_id))
                        AND (p_channel IS NULL OR m.channel = p_channel)
                      ORDER BY m.created_at DESC, m.id DESC
                      LIMIT v_remaining) m
                JOIN public.conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
                ORDER BY m.created_at DESC, m.id DESC;
        ELSE
            RETURN QUERY
                SELECT m.id, m.conversation_id, m.created_at, m.kind, m.sender_side, m.sender_id, m.body, m.attachment,
                       m.external_id, c.channel, c.status, c.customer_id, c.agent_id
                FROM public.messages m
                JOIN public.conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
                WHERE m.tenant_id = p_tenant
                  AND m.created_at >= v_lower AND m.created_at < v_upper
                  AND m.search_vector @@ p_query
                  -- The visibility rule of policy message_visibility, from the same settings.
                  AND (v_scope_all OR m.department_id = ANY (v_departments) OR v_user = ANY (m.participant_ids))
                  AND m.created_at >= v_since
                  AND (p_cursor_time IS NULL OR (m.created_at, m.id) < (p_cursor_time, p_cursor_id))
                  AND (p_channel IS NULL OR m.channel = p_channel)
                  AND (p_agent IS NULL OR c.agent_id = p_agent)
                  AND (p_department IS NULL OR c.department_id = p_department)
                  AND (p_status IS NULL OR c.status = p_status)
                  AND (p_customers IS NULL OR c.customer_id = ANY (p_customers))
                  AND (p_tags IS NULL OR c.tag_ids @> p_tags)
                  AND (p_satisfaction IS NULL OR coalesce(c.satisfaction, 'none') = p_satisfaction)
                  AND (p_has_attachment IS NULL OR (c.attachment_count > 0) = p_has_attachment)
                ORDER BY m.created_at DESC, m.id DESC
                LIMIT v_remaining;
        END IF;
        GET DIAGNOSTICS v_found = ROW_COUNT;
        v_remaining := v_remaining - v_found;
        v_upper := v_lower;
        v_step := v_step + 1;
    END LOOP;
END $$;

-- Handing a function to a role needs that role to hold CREATE on the schema, at that
-- moment only: granted for the ALTER, taken back right after.
GRANT CREATE ON SCHEMA public TO parley_search;
ALTER FUNCTION search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean,
                               timestamptz, uuid, integer)
    OWNER TO parley_search;
REVOKE CREATE ON SCHEMA public FROM parley_search;
REVOKE ALL ON FUNCTION search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean,
                                       timestamptz, uuid, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean,
                                          timestamptz, uuid, integer)
    TO parley_app;

-- The search role reads, and only what the function reads.
GRANT USAGE ON SCHEMA public TO parley_search;
GRANT SELECT ON messages, conversations TO parley_search;
