-- Tags, stars, attachments, ratings as filters, and customer profiles (notes, visits).

-- An admin-managed tag library per tenant ("投诉处理", "高意向客户", …).
CREATE TABLE tags (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    color       text CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- Tags live as id arrays on the rows they label: filtering is `tag_ids @> $wanted`
-- on the row itself, with no join and no subquery for the search function to carry.
-- Ids are checked against `tags` when written; deleting a tag removes it from every row.
ALTER TABLE conversations
    ADD COLUMN tag_ids uuid[] NOT NULL DEFAULT '{}',
    -- Kept by ingestion so "has attachment" is a column test, not a scan of messages.
    ADD COLUMN attachment_count integer NOT NULL DEFAULT 0;
CREATE INDEX conversations_tags ON conversations USING gin (tag_ids);

ALTER TABLE customers
    ADD COLUMN tag_ids uuid[] NOT NULL DEFAULT '{}',
    -- Free-form facts from integrations (order info, intent, membership level).
    ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object');

-- Attachments of a tenant by time, without reading every message.
CREATE INDEX messages_attachments ON messages (tenant_id, created_at DESC, id DESC) WHERE attachment IS NOT NULL;

-- Stars are personal: one row per user and conversation.
CREATE TABLE conversation_stars (
    tenant_id        uuid NOT NULL,
    user_id          uuid NOT NULL,
    conversation_id  uuid NOT NULL,
    starred_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id, conversation_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);

-- Notes on a customer; every edit keeps the previous text as a revision (who, when).
-- A locked note may be edited by admins only.
CREATE TABLE customer_notes (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    customer_id   uuid NOT NULL,
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    locked        boolean NOT NULL DEFAULT false,
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_by    uuid NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, updated_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX customer_notes_customer ON customer_notes (tenant_id, customer_id, created_at);

CREATE TABLE customer_note_revisions (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    note_id     uuid NOT NULL,
    body        text NOT NULL,
    action      text NOT NULL CHECK (action IN ('created', 'edited', 'locked', 'unlocked')),
    actor_id    uuid NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, note_id) REFERENCES customer_notes (tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX customer_note_revisions_note ON customer_note_revisions (tenant_id, note_id, at);

-- Visit records pushed by the website/app integrations: where a customer came from,
-- what they looked at, how long. Idempotent by (channel, external id) like messages.
CREATE TABLE visits (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL,
    customer_id    uuid NOT NULL,
    channel        text NOT NULL,
    external_id    text NOT NULL,
    page_url       text NOT NULL,
    page_title     text,
    referrer       text,
    entry_source   text,
    device         text,
    started_at     timestamptz NOT NULL,
    dwell_seconds  integer CHECK (dwell_seconds >= 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, channel, external_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX visits_customer ON visits (tenant_id, customer_id, started_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tags', 'conversation_stars', 'customer_notes', 'customer_note_revisions', 'visits']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END $$;

-- Stars are private to the user who set them.
CREATE POLICY own_stars ON conversation_stars AS RESTRICTIVE
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON tags, conversation_stars, customer_notes, visits TO parley_app;
-- Revisions are history: appended, never changed.
GRANT SELECT, INSERT ON customer_note_revisions TO parley_app;
