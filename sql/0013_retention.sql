-- Retention (PRODUCT.md §2, §6): tenants' clean-up rules, legal holds, the operator's
-- compliance minimum per tenant, and a record of every retention run.
--
-- The promise: no rule, job or person deletes a conversation that a legal hold or the
-- compliance minimum protects. Every deleting path goes through RetentionRepository,
-- which selects what it deletes with one predicate (`RetentionRepository.deletable`):
-- ended, older than both the rule's days and the tenant's compliance minimum (measured
-- from the later of its end and its last message), and under no active hold on the
-- tenant, its customer or itself. Placing a hold takes the tenant's retention lock
-- exclusively and every deleting batch takes it shared, so a hold committed before a
-- batch starts is seen by it, and a batch in flight finishes before the hold is placed.

-- The operator's floor for a tenant, e.g. 1,825 days (5 years) for a finance tenant: no
-- clean-up rule may be set below it and no run deletes anything younger. NULL: none.
ALTER TABLE tenants ADD COLUMN compliance_minimum_days integer
    CONSTRAINT tenants_compliance_minimum_days_range CHECK (compliance_minimum_days BETWEEN 1 AND 36500);

CREATE TABLE cleanup_rules (
    tenant_id          uuid NOT NULL,
    id                 uuid NOT NULL,
    -- Which conversations: all of the tenant's, or one channel's and/or one department's.
    channel            text CONSTRAINT cleanup_rules_channel_known
        CHECK (channel IN ('web', 'wechat', 'douyin', 'app', 'miniprogram', 'email')),
    department_id      uuid,
    -- Conversations ended (and silent) more than this many days ago are deleted.
    delete_after_days  integer NOT NULL CONSTRAINT cleanup_rules_days_range CHECK (delete_after_days BETWEEN 1 AND 36500),
    enabled            boolean NOT NULL DEFAULT true,
    created_by         uuid,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    -- When the worker next runs the rule; claimed with SKIP LOCKED (RetentionService).
    next_run_at        timestamptz NOT NULL,
    locked_by          text,
    locked_until       timestamptz,
    -- No foreign key to departments: on Citus this stays a coordinator table (below), and
    -- Citus refuses keys from one to a distributed table. The service checks the department
    -- is the tenant's when a rule is written (CleanupRuleRepository.requireDepartment); a
    -- rule whose department is gone matches nothing.
    CONSTRAINT cleanup_rules_pkey PRIMARY KEY (tenant_id, id)
);

CREATE TABLE legal_holds (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    -- The whole tenant (subject_id NULL), one customer, or one conversation.
    subject_type    text NOT NULL CONSTRAINT legal_holds_subject_type_known
        CHECK (subject_type IN ('tenant', 'customer', 'conversation')),
    subject_id      uuid,
    reason          text NOT NULL CONSTRAINT legal_holds_reason_length CHECK (length(reason) BETWEEN 1 AND 500),
    placed_by       uuid,
    placed_at       timestamptz NOT NULL,
    released_by     uuid,
    released_at     timestamptz,
    release_reason  text CONSTRAINT legal_holds_release_reason_length CHECK (length(release_reason) BETWEEN 1 AND 500),
    CONSTRAINT legal_holds_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT legal_holds_subject_pair CHECK ((subject_type = 'tenant') = (subject_id IS NULL)),
    CONSTRAINT legal_holds_release_pair CHECK ((released_at IS NULL) = (released_by IS NULL))
);

CREATE TABLE retention_runs (
    tenant_id              uuid NOT NULL,
    id                     uuid NOT NULL,
    rule_id                uuid NOT NULL,
    started_at             timestamptz NOT NULL,
    finished_at            timestamptz,
    -- What the run deleted up to: conversations whose later of end and last message is
    -- before this (the rule's days or the compliance minimum, whichever reaches less far).
    cutoff                 timestamptz NOT NULL,
    status                 text NOT NULL CONSTRAINT retention_runs_status_known
        CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    conversations_deleted  integer NOT NULL DEFAULT 0,
    messages_deleted       bigint NOT NULL DEFAULT 0,
    -- Conversations the rule matched that a hold kept.
    conversations_held     integer NOT NULL DEFAULT 0,
    error                  text,
    CONSTRAINT retention_runs_pkey PRIMARY KEY (tenant_id, id)
);

-- On Citus, legal_holds and retention_runs are distributed right after CREATE TABLE
-- (CITUS.md), co-located with every other tenant table; empty, so no rows are copied.
-- cleanup_rules stays a coordinator table, like export_jobs and export_schedules: workers
-- claim due rules across tenants with FOR UPDATE SKIP LOCKED, which Citus does not run over
-- shards. Nothing happens on plain PostgreSQL.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM create_distributed_table('public.legal_holds', 'tenant_id', colocate_with => 'departments');
    PERFORM create_distributed_table('public.retention_runs', 'tenant_id', colocate_with => 'departments');
END $$;

-- Due rules across tenants, for the worker's claim.
CREATE INDEX cleanup_rules_due ON cleanup_rules (next_run_at) WHERE enabled;
-- Active holds by subject: every deleting batch asks for them.
CREATE INDEX legal_holds_active ON legal_holds (tenant_id, subject_type, subject_id) WHERE released_at IS NULL;
CREATE INDEX retention_runs_recent ON retention_runs (tenant_id, started_at DESC, id DESC);
-- The retention job's candidates: ended conversations by age.
CREATE INDEX conversations_ended ON conversations (tenant_id, ended_at) WHERE ended_at IS NOT NULL;
-- Deleting a conversation deletes its transfers and stars.
CREATE INDEX conversation_transfers_by_conversation ON conversation_transfers (tenant_id, conversation_id);
CREATE INDEX conversation_stars_by_conversation ON conversation_stars (tenant_id, conversation_id);

ALTER TABLE cleanup_rules ENABLE ROW LEVEL SECURITY;

ALTER TABLE cleanup_rules FORCE ROW LEVEL SECURITY;

ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;

ALTER TABLE legal_holds FORCE ROW LEVEL SECURITY;

ALTER TABLE retention_runs ENABLE ROW LEVEL SECURITY;

ALTER TABLE retention_runs FORCE ROW LEVEL SECURITY;

-- Within a tenant, the routes decide who may (admins: RoleAbilities.managesRetention).
CREATE POLICY cleanup_rules_tenant ON cleanup_rules
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The worker scope sees every tenant's rules to claim the due ones (and nothing else of
-- any tenant: runs happen in the tenant's own scope).
CREATE POLICY cleanup_rules_worker ON cleanup_rules
    USING (current_setting('app.worker', true) = 'on')
    WITH CHECK (current_setting('app.worker', true) = 'on');

CREATE POLICY legal_holds_tenant ON legal_holds
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY retention_runs_tenant ON retention_runs
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON cleanup_rules TO parley_app;

-- Holds are released, never deleted: the row is the record of who held what, and why.
GRANT SELECT, INSERT ON legal_holds TO parley_app;

GRANT UPDATE (released_by, released_at, release_reason) ON legal_holds TO parley_app;

GRANT SELECT, INSERT, UPDATE ON retention_runs TO parley_app;

-- Clean-up deletes a conversation's stars with it. Stars are visible to their owner only
-- (own_stars), so a batch — in the tenant's scope, with no user — could neither see nor
-- delete them, and the conversation's delete would then fail on their foreign key. A
-- retention batch says so (`SET LOCAL app.retention = 'on'`, RetentionRepository.deleteBatch)
-- and may read and delete the tenant's stars; nothing else sets it.
GRANT DELETE ON conversation_stars TO parley_app;

CREATE POLICY stars_seen_by_retention ON conversation_stars FOR SELECT
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND current_setting('app.retention', true) = 'on');

CREATE POLICY stars_cleared_by_retention ON conversation_stars FOR DELETE
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND current_setting('app.retention', true) = 'on');
