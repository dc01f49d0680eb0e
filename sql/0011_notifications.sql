-- Workbench notifications: rows per user ("your export is ready", "your export failed"),
-- which clients poll with GET /v1/notifications?after=<cursor> and may long-poll
-- (ARCHITECTURE.md "Exports and notifications").
--
-- Writers (the export worker) post in the tenant's own scope (`.tenant`: app.tenant_id
-- set, no app.user_id); readers are the signed-in recipient alone. NotificationRepository
-- is the only writer: with each row it calls pg_notify('parley_notifications', <user id>),
-- delivered at commit, which wakes that user's long-polls (NotificationHub). That is an
-- explicit call rather than a trigger because on Citus a trigger on a distributed table
-- would fire on the worker holding the shard, where nobody listens.
--
-- Ids are UUIDv7 and double as the cursor: a list continues strictly after the last id
-- seen. The repository takes them from the database clock under a per-recipient lock held
-- until commit, so one user's ids grow in commit order and a row can never appear behind
-- a cursor a client already holds.

CREATE TABLE notifications (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    user_id       uuid NOT NULL,
    -- What happened, as dotted words: export.succeeded, export.failed.
    kind          text NOT NULL
        CONSTRAINT notifications_kind_format CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' AND length(kind) <= 64),
    title         text NOT NULL CONSTRAINT notifications_title_length CHECK (length(title) BETWEEN 1 AND 200),
    body          text NOT NULL CONSTRAINT notifications_body_length CHECK (length(body) <= 4000),
    -- Where the workbench takes the user (an export's download), if anywhere.
    link          text CONSTRAINT notifications_link_length CHECK (length(link) BETWEEN 1 AND 2000),
    -- What the notification is about (subject_type 'export', the job's id), both or neither.
    subject_type  text CONSTRAINT notifications_subject_type_format CHECK (subject_type ~ '^[a-z][a-z0-9_]{0,31}$'),
    subject_id    uuid,
    created_at    timestamptz NOT NULL,
    read_at       timestamptz,
    CONSTRAINT notifications_subject_pair CHECK ((subject_type IS NULL) = (subject_id IS NULL)),
    CONSTRAINT notifications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notifications_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- On Citus, distributed right after CREATE TABLE (otherwise it would stay a coordinator
-- table: CITUS.md), co-located with every other tenant table. The table is empty, so no
-- rows are copied and FORCE ROW LEVEL SECURITY, set below, is not in the way. Nothing
-- happens on plain PostgreSQL.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM create_distributed_table('public.notifications', 'tenant_id', colocate_with => 'departments');
END $$;

-- A user's notifications in id (= time) order: the list after a cursor, marking read up to one.
CREATE INDEX notifications_by_user ON notifications (tenant_id, user_id, id);
-- The unread count on every poll reads only unread rows, however long the history grows.
CREATE INDEX notifications_unread ON notifications (tenant_id, user_id, id) WHERE read_at IS NULL;

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;

ALTER TABLE notifications FORCE ROW LEVEL SECURITY;

-- Only the recipient reads them, whatever their role: an admin does not see a colleague's.
CREATE POLICY own_notifications ON notifications FOR SELECT
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);

-- ... and marks them read (the grant below allows no other column); the new row is held
-- to the same rule, so an update cannot hand a notification to someone else.
CREATE POLICY own_notifications_read ON notifications FOR UPDATE
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND user_id = NULLIF(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);

-- Posting: trusted service work inside the tenant (the `.tenant` scope sets the tenant and
-- scope 'all' but no user), to any of its users; or a signed-in user to themselves. A user
-- scope cannot post to a colleague, so a bug in a request handler cannot forge one.
CREATE POLICY notifications_posted ON notifications FOR INSERT
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid
                     OR (NULLIF(current_setting('app.user_id', true), '') IS NULL
                         AND current_setting('app.scope', true) = 'all')));

-- No DELETE for the service: notifications go with their user (ON DELETE CASCADE), and
-- clean-up belongs to retention, which will say so in its own migration.
GRANT SELECT, INSERT ON notifications TO parley_app;

GRANT UPDATE (read_at) ON notifications TO parley_app;
