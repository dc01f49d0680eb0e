-- A customer's data export (GDPR/PIPL-style) is an export job whose file is one JSON
-- document (format 'json'): the customer's profile, identities, tags, notes and visits, then
-- their conversations with every message. Only that route makes json jobs; POST /v1/exports
-- and schedules keep offering xlsx, csv, pdf and txt (export_schedules keeps its check).
ALTER TABLE export_jobs DROP CONSTRAINT export_jobs_format_check;

ALTER TABLE export_jobs ADD CONSTRAINT export_jobs_format_check CHECK (format IN ('xlsx', 'csv', 'pdf', 'txt', 'json'));
