-- Dropping message partitions (issue: retention). Rows are deleted by the retention job,
-- the recycle bin's purge, admins' final deletes and erasures, tenant by tenant, each under
-- its own rules; a month's partition is detached and dropped only once it holds no row at
-- all — then no tenant can still keep anything in it, and dropping it deletes nothing.
-- A month is never dropped while it might take new rows from a process that believes it
-- exists (KnownPartitions remembers about 40 days): only months that ended more than two
-- months ago. A late message for a dropped month makes ingestion create it again
-- (ensure_message_partition), as for any missing month.
--
-- pg_partman's retention drops partitions by age for the whole table, which here would
-- delete every tenant's rows of a month regardless of holds, minimums and per-tenant rules;
-- its premake is what PartitionUpkeepService does in a few lines. Not used.
CREATE FUNCTION drop_message_partition_if_empty(month_of timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Waiting for a busy parent would stall ingestion behind the lock queue: give up, try next round.
SET lock_timeout = '500ms'
AS $$
DECLARE
    month_start date := date_trunc('month', month_of AT TIME ZONE 'UTC')::date;
    partition_name text := format('messages_%s', to_char(month_start, 'YYYY_MM'));
    v_has_rows boolean;
BEGIN
    IF month_start + interval '1 month' > date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months' THEN
        RAISE EXCEPTION 'the partition of % may still take rows: only months that ended more than two months ago are dropped',
            to_char(month_start, 'YYYY-MM');
    END IF;
    IF to_regclass('public.' || partition_name) IS NULL THEN
        RETURN false;
    END IF;
    -- No insert may slip in between the check and the detach.
    EXECUTE format('LOCK TABLE public.%I IN ACCESS EXCLUSIVE MODE', partition_name);
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I)', partition_name) INTO v_has_rows;
    IF v_has_rows THEN
        RETURN false;
    END IF;
    EXECUTE format('ALTER TABLE public.messages DETACH PARTITION public.%I', partition_name);
    EXECUTE format('DROP TABLE public.%I', partition_name);
    RETURN true;
END $$;

REVOKE ALL ON FUNCTION drop_message_partition_if_empty(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drop_message_partition_if_empty(timestamptz) TO parley_app;

-- The same Citus setting as ensure_message_partition (0008): DDL on a distributed table
-- after touching others in the transaction must run shard by shard.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        ALTER FUNCTION public.drop_message_partition_if_empty(timestamptz) SET citus.multi_shard_modify_mode = 'sequential';
    END IF;
END $$;
