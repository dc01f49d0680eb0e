-- Clean-up rules reach visits too (issue: retention, "messages, attachments metadata, search
-- data, visits, then conversations"): a rule for the whole tenant, or for one channel,
-- deletes the page visits that started before its cutoff, unless a legal hold keeps their
-- customer (or the tenant). A rule for one department deletes none: visits have no
-- department. Each run records how many.
ALTER TABLE retention_runs ADD COLUMN visits_deleted integer NOT NULL DEFAULT 0;

-- The rules' visits by age.
CREATE INDEX visits_started ON visits (tenant_id, started_at);
