-- Scheduled exports (PRODUCT.md §5: "Periodic automatic exports (e.g. monthly backup) may
-- be scheduled"). An admin schedules an export to run daily, weekly (on a weekday) or
-- monthly (on a day 1–28) at a local time in the tenant's zone (tenants.time_zone), over a
-- window relative to the run: the previous day, week (Monday–Sunday) or month.
--
-- The worker (ScheduleService) claims due schedules across tenants in its own scope
-- (app.worker = 'on') with FOR UPDATE SKIP LOCKED and a short claim (claim_id,
-- claimed_until), counts the rows under the owner's own scope, then, in one transaction in
-- the tenant's scope: re-reads the schedule FOR UPDATE, goes on only if it still holds
-- this worker's claim (an admin's change clears it), inserts the export job (export_jobs,
-- sql/0010_exports.sql) ON CONFLICT (tenant_id, schedule_id, period_start) DO NOTHING, and
-- advances next_run_at. A period (export_jobs.period_start = the window's start) is
-- queued once however many workers race; the job then runs like any other export and
-- notifies the owner.
--
-- A schedule missed for several periods (workers down) runs only the latest of them once
-- the workers are back, not a burst; a paused one runs at its next instant after it is
-- resumed. next_run_at is computed in Swift (Domain/ExportSchedulePeriod.swift), DST-safe:
-- a local time that does not exist that day runs at the next valid minute, an ambiguous
-- one at its first occurrence.
--
-- Who sees a schedule: its owner and users who see the whole tenant (admins; the tenant's
-- scope, where the worker commits a run). The API lets only admins manage schedules.
--
-- On Citus this table stays on the coordinator with export_jobs, for the same reasons
-- (claims scan every tenant with FOR UPDATE SKIP LOCKED; no foreign key to the distributed
-- users table). No query joins it with a distributed table.

CREATE TABLE export_schedules (
    tenant_id             uuid NOT NULL,
    id                    uuid NOT NULL,
    -- The admin who made it: runs read rows under their scope as it is at run time, and
    -- they are notified. A run whose owner is gone, disabled or no longer an admin is skipped.
    owner_id              uuid NOT NULL,
    name                  text NOT NULL,
    frequency             text NOT NULL,
    -- ISO 8601 weekday, 1 = Monday … 7 = Sunday; weekly schedules only.
    weekday               smallint,
    -- Monthly schedules only; at most 28 so that every month has the day.
    day_of_month          smallint,
    -- HH:MM in the tenant's zone.
    local_time            text NOT NULL,
    window_kind           text NOT NULL,
    format                text NOT NULL,
    row_kind              text NOT NULL,
    -- The filter as the API accepted it (GET /v1/conversations parameter names, string
    -- values, no time: the window sets it), shown back to clients ...
    filter                jsonb NOT NULL,
    -- ... and as Store's ConversationQuery without from/to, which each run completes.
    selection             jsonb NOT NULL,
    include_attachments   boolean NOT NULL,
    include_customer_info boolean NOT NULL,
    embed_images          boolean NOT NULL,
    -- PDF only. NULL: the default ("owner · time"); '': none.
    watermark             text,
    file_name_pattern     text NOT NULL,
    paused                boolean NOT NULL DEFAULT false,
    -- The scheduled instant of the next run (for a paused schedule: as it was when paused;
    -- resuming computes it again from the time of resuming).
    next_run_at           timestamptz NOT NULL,
    -- A worker handling the due run, under a claim id of its own; another may take over
    -- after claimed_until. Any change by an admin clears the claim, so a worker commits a
    -- run only for the schedule it counted.
    claimed_by            text,
    claim_id              uuid,
    claimed_until         timestamptz,
    -- The scheduled instant of the last period handled, the job it queued, and why the
    -- last period queued nothing (NULL when it queued its job).
    last_run_at           timestamptz,
    last_job_id           uuid,
    last_error            text,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT export_schedules_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT export_schedules_name_length CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT export_schedules_frequency_check CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    CONSTRAINT export_schedules_weekday_check CHECK ((frequency = 'weekly') = (weekday IS NOT NULL) AND weekday BETWEEN 1 AND 7),
    CONSTRAINT export_schedules_day_check CHECK ((frequency = 'monthly') = (day_of_month IS NOT NULL) AND day_of_month BETWEEN 1 AND 28),
    CONSTRAINT export_schedules_time_format CHECK (local_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    CONSTRAINT export_schedules_window_check CHECK (window_kind IN ('previous_day', 'previous_week', 'previous_month')),
    CONSTRAINT export_schedules_format_check CHECK (format IN ('xlsx', 'csv', 'pdf', 'txt')),
    CONSTRAINT export_schedules_row_kind_check CHECK (row_kind IN ('messages', 'conversations', 'both')),
    CONSTRAINT export_schedules_watermark_length CHECK (length(watermark) <= 100),
    CONSTRAINT export_schedules_file_name_length CHECK (length(file_name_pattern) BETWEEN 1 AND 200),
    CONSTRAINT export_schedules_error_length CHECK (length(last_error) <= 1000)
);

-- The claim: schedules due, not paused.
CREATE INDEX export_schedules_due ON export_schedules (next_run_at) WHERE NOT paused;

ALTER TABLE export_schedules ENABLE ROW LEVEL SECURITY;

ALTER TABLE export_schedules FORCE ROW LEVEL SECURITY;

-- Owner, or whole-tenant scope (admins; the tenant's scope the worker commits a run in).
CREATE POLICY export_schedules_visible ON export_schedules
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND (owner_id = NULLIF(current_setting('app.user_id', true), '')::uuid
                OR current_setting('app.scope', true) = 'all'))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND (owner_id = NULLIF(current_setting('app.user_id', true), '')::uuid
                     OR current_setting('app.scope', true) = 'all'));

-- Workers claim due schedules of every tenant (and see no tenant's data).
CREATE POLICY export_schedules_worker ON export_schedules
    USING (current_setting('app.worker', true) = 'on')
    WITH CHECK (current_setting('app.worker', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON export_schedules TO parley_app;
