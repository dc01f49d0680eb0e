-- Search, second cut (docs/benchmarks.md, "What changed in the second cut").
--
-- Two costs dominated what was left over 15 ms at 10M messages:
--  * A phrase common in a big tenant: the newest month's postings held thousands of
--    candidates, each re-checked against its row's positions, to keep twenty.
--  * A narrow scope (an agent): the tenant's postings were read and most rows dropped
--    because someone else handled them.
-- So the index now also holds the participants the visibility rule reads, and the
-- function first walks the tenant's newest rows in order before it asks the index.
-- Measured on 10M messages / 1,000 tenants in docs/benchmarks.md.

-- An agent's search intersects the postings of the words with the postings of the
-- agent's own conversations inside the index, instead of reading the whole tenant's
-- matches from the heap. The array uses the default array operator class (`@>`).
-- department_id is left out on purpose: a supervisor's departments are usually much of
-- the tenant, and with them in the index the planner chose one index scan per
-- department OR-ed together, each re-reading a prefix's postings (measured 10–16 ms
-- against 9–10 ms without, for 'refund':* and 喀 on the 1M-message tenant).
-- IF NOT EXISTS: on a big live database an operator may build it beforehand, without
-- blocking ingestion (docs/scaling.md); the migration then only swaps the names.
CREATE INDEX IF NOT EXISTS messages_search_scoped ON messages USING gin (tenant_id, search_vector, participant_ids);
DROP INDEX messages_search;
ALTER INDEX messages_search_scoped RENAME TO messages_search;

-- Same arguments, results and hardening as 0003 (read the comment there); what differs:
--
--  * Dynamic SQL built only from this function's constant fragments, every value bound
--    with USING. Each statement names only the conditions in play (a filter that is
--    "any" is left out rather than written `$n IS NULL OR …`), so the planner sees the
--    query it will run, and an agent's visibility in a form the index can answer:
--    `participant_ids @> ARRAY[user]`.
--    EXECUTE plans each statement once with its values, which also prunes partitions.
--  * Before the index, a walk reads the tenant's newest 1,000 rows of the last month in
--    send order (the messages_recent index) and keeps the matches: a term common in
--    what the caller sees fills the page there, with no posting read and no sort.
--    - If the month held fewer rows (a small or quiet tenant) and the query has a
--      prefix, a second walk reads the rest of the history, up to 8,000 rows in all:
--      for such a tenant that is cheaper than a prefix's postings, which are every
--      tenant's.
--    - If the walk stopped inside the month and found some matches, their density says
--      how many more rows the page needs: a second walk reads them when they fit the
--      8,000 (a common word for an agent who sees one row in forty); otherwise the index
--      reads a window sized to hold twice what is missing.
--    Then the index reads the windows of 0003 (1 month, 6 months, the rest), newest
--    first, until the page is full. A rare term in a big tenant goes from the first
--    walk straight to those windows.
CREATE OR REPLACE FUNCTION search_messages(
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
RETURNS TABLE (message_id uuid, conversation_id uuid, created_at timestamptz, kind text, sender_side text,
               sender_id text, body text, attachment jsonb, external_id text,
               channel text, status text, customer_id uuid, agent_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER
ROWS 20
SET search_path = pg_catalog, pg_temp
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    -- Walks read at most 8,000 rows in all (~6 ms); the first reads 1,000 (~1 ms) and
    -- fills a page for any term in 2% of the tenant's messages that the caller sees.
    c_walk_max    CONSTANT integer := 8000;
    c_columns     CONSTANT text := 'm.id, m.conversation_id, m.created_at, m.kind, m.sender_side, m.sender_id, m.body, '
                                   'm.attachment, m.external_id, c.channel, c.status, c.customer_id, c.agent_id';
    c_newest      CONSTANT text := ' ORDER BY m.created_at DESC, m.id DESC';
    c_join        CONSTANT text := ' JOIN public.conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id';
    v_tenant      uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
    v_scope_all   boolean := coalesce(current_setting('app.scope', true) = 'all', false);
    v_departments uuid[] := string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[];
    v_user        uuid := NULLIF(current_setting('app.user_id', true), '')::uuid;
    v_since       timestamptz := coalesce(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity');
    v_floor       timestamptz;
    v_upper       timestamptz;
    v_lower       timestamptz;
    -- Rows at or after this position (send time, id) have been read already.
    v_before_time timestamptz := p_cursor_time;
    v_before_id   uuid := p_cursor_id;
    v_edge_time   timestamptz;
    v_edge_id     uuid;
    v_windows     interval[] := ARRAY[interval '1 month', interval '6 months'];
    v_window      integer := 1;
    -- Rows the next step walks in order; 0 means it reads through the text index.
    v_walk        integer := 1000;
    -- Whether the query has a prefix operand ('refund':*, '好':*): a partial match.
    -- (A lexeme that itself contains ':*' only makes this true needlessly: a cost, never a result.)
    v_prefix      boolean := position(':*' in p_query::text) > 0;
    -- The next walk reads all history left rather than the current window.
    v_walk_all    boolean := false;
    v_walked_rows integer := 0;
    v_walked_found integer := 0;
    v_walk_start  timestamptz;
    v_needed      numeric;
    -- A window sized from what the walks found, used once instead of the standard one.
    v_span        interval;
    v_remaining   integer := least(greatest(coalesce(p_limit, 0), 0), 10000);
    v_found       integer;
    v_range       text;
    v_matches     text;
    v_conversation text := '';
    v_page        text;
BEGIN
    IF v_tenant IS NULL OR p_tenant IS DISTINCT FROM v_tenant OR p_query IS NULL THEN
        RETURN;
    END IF;
    v_floor := greatest(coalesce(p_from, '-infinity'), v_since);
    -- Ingestion accepts messages up to a day ahead (clock skew); nothing is newer.
    v_upper := least(now() + interval '2 days', coalesce(p_to, 'infinity'),
                     coalesce(p_cursor_time + interval '1 microsecond', 'infinity'));

    -- The visibility rule of policy message_visibility, from the same settings.
    v_matches := ' AND m.search_vector @@ $4';
    IF NOT v_scope_all THEN
        IF coalesce(cardinality(v_departments), 0) > 0 AND v_user IS NOT NULL THEN
            v_matches := v_matches || ' AND (m.department_id = ANY ($7) OR m.participant_ids @> ARRAY[$8])';
        ELSIF coalesce(cardinality(v_departments), 0) > 0 THEN
            v_matches := v_matches || ' AND m.department_id = ANY ($7)';
        ELSIF v_user IS NOT NULL THEN
            v_matches := v_matches || ' AND m.participant_ids @> ARRAY[$8]';
        ELSE
            RETURN;  -- a limited scope with neither departments nor a user sees nothing
        END IF;
    END IF;
    IF p_channel IS NOT NULL THEN v_matches := v_matches || ' AND m.channel = $9'; END IF;
    IF p_agent IS NOT NULL THEN v_conversation := v_conversation || ' AND c.agent_id = $10'; END IF;
    IF p_department IS NOT NULL THEN v_conversation := v_conversation || ' AND c.department_id = $11'; END IF;
    IF p_status IS NOT NULL THEN v_conversation := v_conversation || ' AND c.status = $12'; END IF;
    IF p_customers IS NOT NULL THEN v_conversation := v_conversation || ' AND c.customer_id = ANY ($13)'; END IF;
    IF p_tags IS NOT NULL THEN v_conversation := v_conversation || ' AND c.tag_ids @> $14'; END IF;
    IF p_satisfaction IS NOT NULL THEN v_conversation := v_conversation || ' AND coalesce(c.satisfaction, ''none'') = $15'; END IF;
    IF p_has_attachment IS NOT NULL THEN v_conversation := v_conversation || ' AND (c.attachment_count > 0) = $16'; END IF;

    -- Where the walks start, for the density they measure: not the upper bound, which
    -- lies two days ahead when unbounded and would dilute it.
    v_walk_start := least(v_upper, now());
    WHILE v_remaining > 0 AND v_upper > v_floor LOOP
        v_lower := CASE WHEN v_walk > 0 AND v_walk_all THEN v_floor
                        WHEN v_span IS NOT NULL THEN greatest(v_floor, v_upper - v_span)
                        WHEN v_window <= array_length(v_windows, 1) THEN greatest(v_floor, v_upper - v_windows[v_window])
                        ELSE v_floor END;
        v_range := 'm.tenant_id = $1 AND m.created_at >= $2 AND m.created_at < $3'
                   || CASE WHEN v_before_time IS NOT NULL THEN ' AND (m.created_at, m.id) < ($5, $6)' ELSE '' END;
        v_edge_time := NULL;
        IF v_walk > 0 THEN
            -- A walk: the range's newest v_walk rows in order (messages_recent). Its last
            -- row, the edge, is where the next step starts when the range holds more.
            EXECUTE 'SELECT m.created_at, m.id FROM public.messages m WHERE ' || v_range || c_newest || ' OFFSET $18 - 1 LIMIT 1'
                INTO v_edge_time, v_edge_id
                USING p_tenant, v_lower, v_upper, p_query, v_before_time, v_before_id, v_departments, v_user, p_channel,
                      p_agent, p_department, p_status, p_customers, p_tags, p_satisfaction, p_has_attachment, v_remaining,
                      v_walk;
            v_page := '(SELECT m.* FROM public.messages m WHERE ' || v_range || c_newest || ' LIMIT $18) m';
        ELSE
            v_page := 'public.messages m';
        END IF;
        IF v_conversation = '' THEN
            -- The page is chosen from messages alone; conversations are joined for its rows only
            -- (joining first made a common term join every match: 24–52 ms → 0.6 ms on 2M messages).
            v_page := 'SELECT ' || c_columns || ' FROM (SELECT m.* FROM ' || v_page || ' WHERE ' || v_range || v_matches
                      || c_newest || ' LIMIT $17) m' || c_join || c_newest;
        ELSE
            v_page := 'SELECT ' || c_columns || ' FROM ' || v_page || c_join || ' WHERE ' || v_range || v_matches
                      || v_conversation || c_newest || ' LIMIT $17';
        END IF;
        RETURN QUERY EXECUTE v_page
            USING p_tenant, v_lower, v_upper, p_query, v_before_time, v_before_id, v_departments, v_user, p_channel,
                  p_agent, p_department, p_status, p_customers, p_tags, p_satisfaction, p_has_attachment, v_remaining,
                  v_walk;
        GET DIAGNOSTICS v_found = ROW_COUNT;
        v_remaining := v_remaining - v_found;
        IF v_walk = 0 THEN
            -- An index read covers its window. A window sized from the walks is followed
            -- by the standard ones; a standard one by the next, larger one.
            v_upper := v_lower;
            IF v_span IS NULL THEN v_window := v_window + 1; END IF;
            v_span := NULL;
        ELSE
            v_walked_rows := v_walked_rows + v_walk;
            v_walked_found := v_walked_found + v_found;
            v_walk := 0;
            IF v_edge_time IS NULL THEN
                -- The walk read its range to the start.
                v_upper := v_lower;
                IF v_prefix AND NOT v_walk_all AND v_walked_rows < c_walk_max THEN
                    -- The newest month held fewer rows than one walk: a small or quiet
                    -- tenant. For a prefix the index would read, in every partition, the
                    -- postings of every word that starts with it, all tenants' (measured
                    -- 13–16 ms for 'refund':* on a 3,400-message tenant); walking the rest
                    -- of the history, if within the budget, is cheaper. An exact word's
                    -- postings are skipped through with the tenant's, so the index is.
                    v_walk := c_walk_max - v_walked_rows;
                    v_walk_all := true;
                ELSE
                    v_window := v_window + 1;
                END IF;
            ELSE
                -- The walk stopped inside its range; what is left starts at the edge.
                v_before_time := v_edge_time;
                v_before_id := v_edge_id;
                v_upper := v_edge_time + interval '1 microsecond';
                IF v_walked_found > 0 AND v_remaining > 0 THEN
                    -- The walks measured how dense matches are. Walk on if the rows the page
                    -- still needs (with half again as margin) fit the budget; otherwise the
                    -- index reads a window expected to hold twice what is missing.
                    v_needed := ceil(v_walked_rows::numeric * v_remaining / v_walked_found * 1.5);
                    IF v_walked_rows + v_needed <= c_walk_max THEN
                        v_walk := v_needed;
                    ELSE
                        v_span := least(v_windows[1], greatest(interval '1 minute',
                            (v_walk_start - v_edge_time) * (2.0 * v_remaining / v_walked_found)::float8));
                    END IF;
                END IF;
            END IF;
        END IF;
    END LOOP;
END $$;
