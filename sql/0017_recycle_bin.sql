-- The recycle bin (PRODUCT.md §6): a conversation deleted by a supervisor (or an agent whose
-- custom role permits it) is soft-deleted — gone from lists, transcripts, search, exports
-- and counts — and an admin may restore it within 30 days; then the worker purges it
-- (RecycleBinService), except what a legal hold or the tenant's floor keeps. An admin's own
-- delete is final and does not pass through here.
--
-- How it hides: the conversation's status becomes 'deleted' and each of its messages
-- carries `binned`; both visibility policies refuse those rows unless the transaction says
-- it works on the bin (`SET LOCAL app.recycle_bin = 'on'`), which only the bin's own routes
-- (listing, restoring), ingestion (new messages of a binned conversation are binned too)
-- and whole-tenant jobs (retention, erasure, the purge) set. Search reads messages with its
-- own copy of the visibility rule (it bypasses RLS, 0003): binned messages never match.
ALTER TABLE messages ADD COLUMN binned boolean NOT NULL DEFAULT false;

CREATE TABLE recycle_bin (
    tenant_id        uuid NOT NULL,
    conversation_id  uuid NOT NULL,
    -- What a restore gives back.
    previous_status  text NOT NULL CONSTRAINT recycle_bin_previous_status_known
        CHECK (previous_status IN ('ongoing', 'ended', 'archived')),
    deleted_by       uuid NOT NULL,
    deleted_at       timestamptz NOT NULL,
    -- 30 days after deleted_at: restorable before, purged from then on.
    purge_after      timestamptz NOT NULL,
    -- A purge claims due entries with SKIP LOCKED; an entry a hold or the floor keeps is
    -- looked at again a day later.
    locked_by        text,
    locked_until     timestamptz,
    CONSTRAINT recycle_bin_pkey PRIMARY KEY (tenant_id, conversation_id)
);

-- On Citus recycle_bin stays a coordinator table, like cleanup_rules: the worker claims due
-- entries across tenants with FOR UPDATE SKIP LOCKED, which Citus does not run over shards.
-- The bin's routes read it alone and fetch the conversations in a second statement.
CREATE INDEX recycle_bin_due ON recycle_bin (purge_after);
CREATE INDEX recycle_bin_recent ON recycle_bin (tenant_id, deleted_at DESC, conversation_id DESC);

ALTER TABLE recycle_bin ENABLE ROW LEVEL SECURITY;

ALTER TABLE recycle_bin FORCE ROW LEVEL SECURITY;

CREATE POLICY recycle_bin_tenant ON recycle_bin
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The worker scope sees every tenant's entries to claim the due ones (the purge itself runs
-- in the tenant's scope).
CREATE POLICY recycle_bin_worker ON recycle_bin
    USING (current_setting('app.worker', true) = 'on')
    WITH CHECK (current_setting('app.worker', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON recycle_bin TO parley_app;

-- The visibility policies of 0001 with the bin's condition added.
DROP POLICY conversation_visibility ON conversations;

CREATE POLICY conversation_visibility ON conversations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND last_message_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity')
           AND (status <> 'deleted' OR current_setting('app.recycle_bin', true) = 'on'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY message_visibility ON messages;

CREATE POLICY message_visibility ON messages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND created_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity')
           AND (NOT binned OR current_setting('app.recycle_bin', true) = 'on'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Search: one condition added to the match, as 0007 edited its join (read back, edited,
-- re-run; CREATE OR REPLACE keeps owner, grants and options).
DO $$
DECLARE
    v_function regprocedure := 'public.search_messages(uuid, tsquery, timestamptz, timestamptz, text, uuid, uuid, text, uuid[], uuid[], text, boolean, timestamptz, uuid, integer)';
    v_before   text := 'v_matches := '' AND m.search_vector @@ $4'';';
    v_after    text := 'v_matches := '' AND m.search_vector @@ $4 AND NOT m.binned'';';
    v_source   text := pg_get_functiondef(v_function);
BEGIN
    IF (length(v_source) - length(replace(v_source, v_before, ''))) / length(v_before) <> 1 THEN
        RAISE EXCEPTION 'search_messages does not set its match exactly once; edit this migration';
    END IF;
    EXECUTE replace(v_source, v_before, v_after);
END $$;
