-- Parley foundation schema.
--
-- Run by `parley migrate` as the owning role (parley_owner), inside one transaction.
-- The service connects as parley_app: it owns nothing, is not superuser and has no
-- BYPASSRLS, so every row it reads or writes passes the policies below.
--
-- Conventions (see ARCHITECTURE.md):
-- * tenant_id leads every primary key, UNIQUE constraint and foreign key, so the
--   schema can be distributed by tenant (Citus) and every index starts with it.
-- * Ids are UUIDv7 made by the application (time-ordered); no defaults.
-- * Policies read the request context that the service sets with SET LOCAL:
--     app.tenant_id       uuid of the caller's tenant
--     app.user_id         uuid of the signed-in user (absent for integrations)
--     app.scope           'all' | 'limited' — 'all' sees every conversation of the tenant
--     app.department_ids  comma-separated uuids the caller sees, sub-departments expanded
--     app.visible_since   timestamptz; older history is hidden (trial plans)
--     app.login_slug      the tenant slug during sign-in, before the tenant is known
--     app.operator        'on' for the platform operator (tenants and plans only)
--   NULLIF(current_setting(name, true), '') turns a missing setting into NULL, so a
--   request without context matches nothing (fails closed).
-- * Policies contain no subqueries: what a policy needs (department, participants)
--   is carried on the rows it guards.

-- Roles are cluster-wide; the deployment (scripts/dev, scripts/test, the Helm chart)
-- creates them. Fail early with a clear message rather than half-way through.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parley_app') THEN
        RAISE EXCEPTION 'role parley_app does not exist: create it (LOGIN, NOSUPERUSER, NOBYPASSRLS) before migrating';
    END IF;
END $$;

-- Plans are global (no tenant): the operator sets them, every tenant reads its own.
CREATE TABLE plans (
    code                      text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name                      text NOT NULL,
    -- NULL means history is kept and visible permanently.
    history_visible_days      integer CHECK (history_visible_days > 0),
    export_enabled            boolean NOT NULL,
    export_row_cap            integer NOT NULL CHECK (export_row_cap >= 0),
    custom_retention_allowed  boolean NOT NULL,
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- The product's published rules (PRODUCT.md §2).
INSERT INTO plans (code, name, history_visible_days, export_enabled, export_row_cap, custom_retention_allowed) VALUES
    ('trial',        'Trial',        30,   false, 0,     false),
    ('professional', 'Professional', NULL, true,  20000, false),
    ('enterprise',   'Enterprise',   NULL, true,  20000, true),
    ('flagship',     'Flagship',     NULL, true,  20000, true);

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    plan_code   text NOT NULL REFERENCES plans (code),
    created_at  timestamptz NOT NULL
);

-- A tree. `path` holds the ids from the root down to this department (inclusive),
-- so "this department and everything under it" is `path && ARRAY[...]` with no
-- recursive query, and a supervisor's scope is computed once per request.
CREATE TABLE departments (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    parent_id   uuid,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    path        uuid[] NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES departments (tenant_id, id)
);
CREATE INDEX departments_path ON departments USING gin (path);

-- Custom roles: a department scope (and permissions) on top of a base role.
CREATE TABLE roles (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    permissions     text[] NOT NULL DEFAULT '{}',
    department_ids  uuid[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL,
    email               text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role                text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    custom_role_id      uuid,
    password_hash       text NOT NULL,
    disabled            boolean NOT NULL DEFAULT false,
    -- Sign-in throttling: consecutive failures and the lock they earned.
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email),
    FOREIGN KEY (tenant_id, custom_role_id) REFERENCES roles (tenant_id, id)
);

CREATE TABLE user_departments (
    tenant_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    department_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, user_id, department_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
);

-- Refresh tokens are stored as SHA-256 of their secret; the token the client holds
-- names its tenant and id so it can be looked up under the tenant's policy.
-- Each use rotates the token within its family (one sign-in); presenting a token that
-- was already rotated means two parties hold it, and the whole family is revoked.
CREATE TABLE refresh_tokens (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    family_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    secret_hash   bytea NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- Channel integrations push messages with an API key scoped to tenant and channel.
CREATE TABLE api_keys (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    channel       text NOT NULL,
    secret_hash   bytea NOT NULL,
    created_by    uuid NOT NULL,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

-- One customer across channels: identities point at the customer they were merged into.
CREATE TABLE customers (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text,
    phone       text,
    email       text,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customers_phone ON customers (tenant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_email ON customers (tenant_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_name ON customers (tenant_id, lower(name) text_pattern_ops) WHERE name IS NOT NULL;

CREATE TABLE customer_identities (
    tenant_id     uuid NOT NULL,
    channel       text NOT NULL,
    external_id   text NOT NULL,
    customer_id   uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, channel, external_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX customer_identities_customer ON customer_identities (tenant_id, customer_id);

-- department_id and participant_ids are what the visibility policy reads; they are
-- copied onto messages and kept in step on transfer (see TransferRepository).
CREATE TABLE conversations (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL,
    channel           text NOT NULL,
    external_id       text NOT NULL,
    customer_id       uuid NOT NULL,
    department_id     uuid,
    agent_id          uuid,
    participant_ids   uuid[] NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('ongoing', 'ended', 'archived', 'deleted')),
    satisfaction      text CHECK (satisfaction IN ('good', 'neutral', 'bad')),
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    last_message_at   timestamptz NOT NULL,
    message_count     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, channel, external_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES users (tenant_id, id)
);
-- Newest-first listing with a keyset cursor on (started_at, id).
CREATE INDEX conversations_recent ON conversations (tenant_id, started_at DESC, id DESC);
CREATE INDEX conversations_customer ON conversations (tenant_id, customer_id, started_at);
CREATE INDEX conversations_participants ON conversations USING gin (participant_ids);

CREATE TABLE conversation_transfers (
    tenant_id           uuid NOT NULL,
    id                  uuid NOT NULL,
    conversation_id     uuid NOT NULL,
    from_agent_id       uuid,
    to_agent_id         uuid,
    to_department_id    uuid,
    transferred_by      uuid,
    transferred_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);

-- Messages: partitioned by month of created_at (the time the message was sent).
-- The primary key must contain the partition key; ingestion idempotency needs a
-- tenant-wide unique key that a partitioned table cannot enforce, hence message_keys.
CREATE TABLE messages (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL,
    created_at        timestamptz NOT NULL,
    conversation_id   uuid NOT NULL,
    channel           text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('text', 'image', 'file', 'link', 'voice', 'event')),
    sender_side       text NOT NULL CHECK (sender_side IN ('customer', 'agent', 'bot', 'system')),
    sender_id         text,
    body              text,
    attachment        jsonb,
    external_id       text NOT NULL,
    department_id     uuid,
    participant_ids   uuid[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id, created_at),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
) PARTITION BY RANGE (created_at);
CREATE INDEX messages_transcript ON messages (tenant_id, conversation_id, created_at, id);

CREATE TABLE message_keys (
    tenant_id     uuid NOT NULL,
    channel       text NOT NULL,
    external_id   text NOT NULL,
    message_id    uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, channel, external_id)
);

CREATE TABLE audit_events (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    actor_id      uuid,
    action        text NOT NULL,
    target_type   text NOT NULL,
    target_id     uuid,
    details       jsonb NOT NULL DEFAULT '{}',
    occurred_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_id, occurred_at DESC);

-- Creates the month's partition if it is missing. SECURITY DEFINER so that the
-- partition is owned by the owning role (the service may call it, never own or
-- read a partition directly). Serialised by an advisory lock so two ingesting
-- requests for a new month do not race.
CREATE FUNCTION ensure_message_partition(month_of timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_start date := date_trunc('month', month_of AT TIME ZONE 'UTC')::date;
    partition_name text := format('messages_%s', to_char(month_start, 'YYYY_MM'));
BEGIN
    IF to_regclass('public.' || partition_name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('parley.partition.' || partition_name));
        IF to_regclass('public.' || partition_name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE public.%I PARTITION OF public.messages FOR VALUES FROM (%L) TO (%L)',
                partition_name,
                (month_start::timestamp AT TIME ZONE 'UTC'),
                ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        END IF;
    END IF;
    RETURN partition_name;
END $$;
REVOKE ALL ON FUNCTION ensure_message_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_message_partition(timestamptz) TO parley_app;

-- Two years back and three months ahead; the worker keeps creating months ahead.
SELECT ensure_message_partition(m)
FROM generate_series(date_trunc('month', now()) - interval '24 months',
                     date_trunc('month', now()) + interval '3 months',
                     interval '1 month') AS m;

-- Row-level security. ENABLE and FORCE on every tenant table (FORCE so that even
-- the owning role is subject to the policies if it ever serves requests).
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
-- A tenant reads its own row (and sign-in finds it by slug); only the operator
-- creates tenants or changes them (a tenant must not move itself to another plan).
CREATE POLICY tenant_self ON tenants FOR SELECT
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           OR slug = NULLIF(current_setting('app.login_slug', true), '')
           OR current_setting('app.operator', true) = 'on');
CREATE POLICY operator_writes_tenants ON tenants FOR INSERT
    WITH CHECK (current_setting('app.operator', true) = 'on');
CREATE POLICY operator_changes_tenants ON tenants FOR UPDATE
    USING (current_setting('app.operator', true) = 'on')
    WITH CHECK (current_setting('app.operator', true) = 'on');

-- Plans are global and readable by all; only the operator changes their limits.
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_readable ON plans FOR SELECT USING (true);
CREATE POLICY operator_changes_plans ON plans FOR UPDATE
    USING (current_setting('app.operator', true) = 'on')
    WITH CHECK (current_setting('app.operator', true) = 'on');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['departments', 'roles', 'users', 'user_departments', 'refresh_tokens',
                             'api_keys', 'customers', 'customer_identities', 'conversation_transfers',
                             'message_keys', 'audit_events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END $$;

-- Visibility inside a tenant: scope 'all' (admins, integrations) sees everything;
-- otherwise a conversation is visible if it belongs to one of the caller's
-- departments (supervisors, custom roles; sub-departments expanded by the service)
-- or the caller took part in it (agents). Trial plans also hide old history.
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY conversation_visibility ON conversations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND last_message_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY message_visibility ON messages
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (current_setting('app.scope', true) = 'all'
                OR department_id = ANY (string_to_array(NULLIF(current_setting('app.department_ids', true), ''), ',')::uuid[])
                OR NULLIF(current_setting('app.user_id', true), '')::uuid = ANY (participant_ids))
           AND created_at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The service role: data access only, never DDL, never a partition directly.
GRANT USAGE ON SCHEMA public TO parley_app;
GRANT SELECT, UPDATE ON plans TO parley_app;
GRANT SELECT, INSERT, UPDATE ON tenants TO parley_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    departments, roles, users, user_departments, refresh_tokens, api_keys,
    customers, customer_identities, conversations, conversation_transfers,
    messages, message_keys
TO parley_app;
-- Audit events are append-only for the service.
GRANT SELECT, INSERT ON audit_events TO parley_app;
