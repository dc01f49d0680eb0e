-- Stars are private to the user who set them, in one permissive policy that carries both
-- conditions. The restrictive policy of 0002 did the same on plain PostgreSQL, but Citus
-- never emits AS RESTRICTIVE when it copies a policy to the shards (CITUS.md): there, one
-- admin saw another's stars. From here on, every policy is permissive and self-contained.
DROP POLICY own_stars ON conversation_stars;

DROP POLICY tenant_isolation ON conversation_stars;

CREATE POLICY own_stars ON conversation_stars
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND user_id = NULLIF(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
                AND user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);
