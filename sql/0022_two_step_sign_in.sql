-- Two-step sign-in with TOTP (RFC 6238; issue: trust and administration). A user's shared
-- secret, from enrolment (pending, `confirmed_at` empty) through confirmation with a first
-- code; the last time step a code was accepted for, so each code is used once; and the
-- hashes of the recovery codes not used yet (each shown once, at confirmation).
CREATE TABLE two_step_secrets (
    tenant_id             uuid NOT NULL,
    user_id               uuid NOT NULL,
    -- The shared secret as the authenticator app gets it (HummingbirdOTP keys its HMAC with
    -- this text's UTF-8 bytes; the app sees their base32).
    secret                text NOT NULL,
    confirmed_at          timestamptz,
    -- Codes of this step or an earlier one are refused (replay within the window).
    last_used_step        bigint NOT NULL DEFAULT 0,
    -- SHA-256 of each unused recovery code (random, 50 bits: no slow hash needed).
    recovery_code_hashes  text[] NOT NULL DEFAULT '{}',
    created_at            timestamptz NOT NULL,
    CONSTRAINT two_step_secrets_pkey PRIMARY KEY (tenant_id, user_id)
);

-- Whether the tenant's admins require two-step sign-in of every user (no row: not required).
CREATE TABLE tenant_sign_in_rules (
    tenant_id          uuid NOT NULL,
    two_step_required  boolean NOT NULL,
    updated_by         uuid,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT tenant_sign_in_rules_pkey PRIMARY KEY (tenant_id)
);

-- On Citus, distributed right after CREATE TABLE (CITUS.md), co-located with the tenant's users.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    PERFORM create_distributed_table('public.two_step_secrets', 'tenant_id', colocate_with => 'departments');
    PERFORM create_distributed_table('public.tenant_sign_in_rules', 'tenant_id', colocate_with => 'departments');
END $$;

SELECT parley_isolate_by_tenant('two_step_secrets');

SELECT parley_isolate_by_tenant('tenant_sign_in_rules');

GRANT SELECT, INSERT, UPDATE, DELETE ON two_step_secrets TO parley_app;

GRANT SELECT, INSERT, UPDATE ON tenant_sign_in_rules TO parley_app;
