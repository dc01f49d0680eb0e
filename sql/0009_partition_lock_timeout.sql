-- Creating a month partition takes locks on messages and, for its foreign key, on
-- conversations; an ingesting batch takes them in either order (a replay reads messages
-- before it locks its conversation), so the two could deadlock, and PostgreSQL then
-- aborted one of them after deadlock_timeout — as likely the ingest batch as the creator.
-- With a lock timeout shorter than that, the creator gives up first and alone: the batch
-- that needed the new month gets 503 with Retry-After (a retry finds the locks free),
-- the other batches are never touched. Seen when parallel tests ingested into one database.
ALTER FUNCTION ensure_message_partition(timestamptz) SET lock_timeout = '500ms';
