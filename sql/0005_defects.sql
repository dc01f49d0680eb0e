-- Fixes for defects found from outside (the defects issue): transfers out of the
-- caller's own scope, the plan's history window on every table with a time, sign-in
-- throttling per client address, and the index behind the contact-lookup throttle.

-- Transfers. Row-level security checks an UPDATE's new row against the visibility
-- rule as well (PostgreSQL applies the SELECT policy to the new row of any UPDATE whose
-- WHERE reads the table), so a supervisor moving a conversation of 售后 to 售前 — after
-- which, by design, they no longer see it — failed with 42501. The policy stays as
-- strict as it is; this pair of functions is the one narrow way around it:
-- `transfer_conversation` runs under the caller's own settings and finds the
-- conversation only if the caller may see it (and locks it); only then does it call
-- `write_conversation_access`, which rewrites the visibility copies with the scope
-- lifted for the length of that call and set back before it returns (SET LOCAL, which
-- reaches Citus workers; a function-level SET of our own settings needs a superuser).
-- If an update fails, the transaction fails with it, setting and all.
--
-- Both run as the caller (SECURITY INVOKER). On Citus every write of a transaction must
-- come from one user: run as the owning role, the service's INSERT into
-- conversation_transfers after them was refused ("cannot perform query on placements that
-- were modified in this transaction by a different user"). Nothing is loosened by that:
-- the visibility check runs first, under the caller's own policy, and the lifted scope is
-- the caller's own setting — one the service role may set in any case (the policies trust
-- the service to set its context; they make a forgotten filter harmless).
CREATE FUNCTION write_conversation_access(p_tenant uuid, p_conversation uuid, p_department uuid,
                                          p_agent uuid, p_participants uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    caller_scope text := COALESCE(current_setting('app.scope', true), '');
    caller_since text := COALESCE(current_setting('app.visible_since', true), '');
BEGIN
    SET LOCAL app.scope = 'all';
    SET LOCAL app.visible_since = '';
    UPDATE public.conversations
    SET department_id = p_department, agent_id = p_agent, participant_ids = p_participants
    WHERE tenant_id = p_tenant AND id = p_conversation;
    -- Every message, also those older than a trial's window: otherwise they would keep
    -- stale copies that reappear after an upgrade.
    UPDATE public.messages
    SET department_id = p_department, participant_ids = p_participants
    WHERE tenant_id = p_tenant AND conversation_id = p_conversation;
    EXECUTE format('SET LOCAL app.scope = %L', caller_scope);
    EXECUTE format('SET LOCAL app.visible_since = %L', caller_since);
END $$;
REVOKE ALL ON FUNCTION write_conversation_access(uuid, uuid, uuid, uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION write_conversation_access(uuid, uuid, uuid, uuid, uuid[]) TO parley_app;

-- Returns the conversation's agent before the transfer and its department, agent and
-- participants after it; no row when the caller cannot see the conversation (or names
-- another tenant), which the service reports as 404.
CREATE FUNCTION transfer_conversation(p_tenant uuid, p_conversation uuid, p_agent uuid, p_department uuid)
RETURNS TABLE (previous_agent_id uuid, department_id uuid, agent_id uuid, participant_ids uuid[])
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    current_department uuid;
    current_participants uuid[];
BEGIN
    IF p_tenant IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::uuid THEN
        RETURN;
    END IF;
    -- The caller's visibility decides, through the policy: this runs with their settings.
    SELECT c.department_id, c.agent_id, c.participant_ids
    INTO current_department, previous_agent_id, current_participants
    FROM public.conversations c
    WHERE c.tenant_id = p_tenant AND c.id = p_conversation
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    department_id := COALESCE(p_department, current_department);
    agent_id := COALESCE(p_agent, previous_agent_id);
    -- The new agent joins the participants; earlier agents stay (they took part).
    participant_ids := CASE WHEN p_agent IS NULL OR p_agent = ANY (current_participants)
                            THEN current_participants ELSE current_participants || p_agent END;
    PERFORM public.write_conversation_access(p_tenant, p_conversation, department_id, agent_id, participant_ids);
    RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION transfer_conversation(uuid, uuid, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION transfer_conversation(uuid, uuid, uuid, uuid) TO parley_app;

-- The plan's history window (app.visible_since, trial plans: 30 days) on every table
-- that records when something happened, not only on conversations and messages: a
-- trial tenant saw page visits, transfers, note revisions and audit events of any age.
-- Profiles themselves (customers, notes, tags) are current state, not history, and stay.
-- Writes check the tenant only: integrations and jobs have no window.
DROP POLICY tenant_isolation ON visits;
CREATE POLICY visit_visibility ON visits
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND started_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY tenant_isolation ON conversation_transfers;
CREATE POLICY transfer_visibility ON conversation_transfers
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND transferred_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY tenant_isolation ON customer_note_revisions;
CREATE POLICY note_revision_visibility ON customer_note_revisions
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY tenant_isolation ON audit_events;
CREATE POLICY audit_event_visibility ON audit_events
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND occurred_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- A user's recent lookups by full phone number or e-mail, counted for the throttle that
-- keeps someone who sees 138****5678 from recovering the hidden digits by guessing.
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor_id, action, occurred_at DESC);

-- Failed sign-ins per client address, in fixed windows, so a guesser is slowed across
-- accounts and tenants (the per-account lock cannot see that). Not tenant data: the
-- address is counted before any tenant is known, and rows expire with their window.
CREATE TABLE sign_in_failures (
    client_address  text NOT NULL,
    window_start    timestamptz NOT NULL,
    failures        integer NOT NULL,
    CONSTRAINT sign_in_failures_pkey PRIMARY KEY (client_address, window_start),
    CONSTRAINT sign_in_failures_address_length CHECK (length(client_address) BETWEEN 1 AND 64)
);
CREATE INDEX sign_in_failures_window ON sign_in_failures (window_start);
GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_failures TO parley_app;
