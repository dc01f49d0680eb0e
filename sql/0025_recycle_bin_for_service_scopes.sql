-- The recycle bin as transactions without a user see it (sql/0017 hid it from everyone
-- unless `SET LOCAL app.recycle_bin = 'on'`). Scopes without a user — ingestion (new
-- messages of a binned conversation are binned too) and whole-tenant jobs (retention,
-- erasure, the purge) — see binned rows as part of the tenant: no extra SET LOCAL, so no
-- extra round trip on every ingestion batch, API-key check and job batch. Users still see
-- the bin only where the transaction says it works on it (the bin's routes, legal holds,
-- a customer's data export). The visibility policies of 0017 with that one condition added.
DROP POLICY conversation_visibility ON conversations;

CREATE POLICY conversation_visibility ON conversations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND last_message_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity')
           AND (status <> 'deleted' OR current_setting('app.recycle_bin', true) = 'on'
                OR COALESCE(current_setting('app.user_id', true), '') = ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY message_visibility ON messages;

CREATE POLICY message_visibility ON messages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND created_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity')
           AND (NOT binned OR current_setting('app.recycle_bin', true) = 'on'
                OR COALESCE(current_setting('app.user_id', true), '') = ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
