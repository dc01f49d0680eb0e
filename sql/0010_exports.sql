-- Export jobs: the queue the worker drains (PRODUCT.md §5, ARCHITECTURE.md "Exports").
--
-- A row is a job: queued → running → succeeded | failed | cancelled. A worker claims one
-- with FOR UPDATE SKIP LOCKED and holds a lease (locked_until) that it renews while it
-- runs; a job whose lease ran out (its worker was killed) is claimable again. The file
-- goes to object storage under object_key, fixed when the job is created, so a retry
-- replaces the same object rather than leaving a second one; the job is marked done
-- and the requester notified in one transaction, guarded by the lease, so exactly once.
--
-- Who sees a job: its requester, and users who see the whole tenant (admins). Workers
-- claim across tenants in their own scope (app.worker = 'on'), which sees only this
-- table; they read rows for a job under the requester's own scope.
--
-- On Citus this table stays on the coordinator (not distributed): claims scan every
-- tenant's jobs with FOR UPDATE SKIP LOCKED, which Citus routes only for one shard; the
-- queue is small (jobs, not rows) and joins nothing. For the same reason it has no
-- foreign keys: Citus refuses one from a coordinator table to a distributed table
-- (users); the requester is always the signed-in caller or a schedule's owner.

-- Times in export files and schedules are shown in the tenant's zone (IANA name).
ALTER TABLE tenants ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
    CONSTRAINT tenants_time_zone_length CHECK (length(time_zone) BETWEEN 1 AND 64);

CREATE TABLE export_jobs (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    requested_by    uuid NOT NULL,
    status          text NOT NULL DEFAULT 'queued'
        CONSTRAINT export_jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    format          text NOT NULL CONSTRAINT export_jobs_format_check CHECK (format IN ('xlsx', 'csv', 'pdf', 'txt')),
    row_kind        text NOT NULL CONSTRAINT export_jobs_row_kind_check CHECK (row_kind IN ('messages', 'conversations', 'both')),
    -- What to export (Store's ConversationQuery) and how (attachments, customer info,
    -- images, watermark), as the API accepted them.
    selection       jsonb NOT NULL,
    options         jsonb NOT NULL,
    file_name       text NOT NULL CONSTRAINT export_jobs_file_name_length CHECK (length(file_name) BETWEEN 1 AND 200),
    object_key      text NOT NULL,
    rows_total      integer,
    rows_done       integer NOT NULL DEFAULT 0,
    bytes           bigint,
    error           text,
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 3,
    -- Not claimable before this (retries back off).
    run_after       timestamptz NOT NULL,
    locked_by       text,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    -- The file was deleted from storage (DELETE on a finished job); downloads answer 410.
    file_deleted_at timestamptz,
    -- A scheduled run: its schedule and period, once (several workers may try).
    schedule_id     uuid,
    period_start    timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT export_jobs_one_run_per_period UNIQUE (tenant_id, schedule_id, period_start)
);
-- The claim: queued jobs due, and running ones whose lease ran out.
CREATE INDEX export_jobs_claimable ON export_jobs (run_after) WHERE status IN ('queued', 'running');
CREATE INDEX export_jobs_by_requester ON export_jobs (tenant_id, requested_by, id DESC);

ALTER TABLE export_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE export_jobs FORCE ROW LEVEL SECURITY;

-- Requester, or whole-tenant scope (admins; the worker's tenant scope).
CREATE POLICY export_jobs_visible ON export_jobs
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (requested_by = NULLIF(current_setting('app.user_id', true), '')::uuid
                OR current_setting('app.scope', true) = 'all'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND (requested_by = NULLIF(current_setting('app.user_id', true), '')::uuid
                     OR current_setting('app.scope', true) = 'all'));

CREATE POLICY export_jobs_worker ON export_jobs
    USING (current_setting('app.worker', true) = 'on')
    WITH CHECK (current_setting('app.worker', true) = 'on');

GRANT SELECT, INSERT, UPDATE ON export_jobs TO parley_app;
