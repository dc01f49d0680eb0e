-- The posting policy of 0011 says "no user" as NULLIF(current_setting('app.user_id', true), '')
-- IS NULL. Citus 13.2 cannot deparse an IS NULL test in a policy for its shards
-- ("unrecognized node type: 121"); this writes the same condition as COALESCE(…, '') = ''.
-- Same meaning on every database; applied migrations are never edited, so it is replaced here.
-- (On Citus, 0011 itself still stops at that policy: see docs/scaling.md.)
DROP POLICY notifications_posted ON notifications;

CREATE POLICY notifications_posted ON notifications FOR INSERT
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid
                     OR (COALESCE(current_setting('app.user_id', true), '') = ''
                         AND current_setting('app.scope', true) = 'all')));
