-- A customer's erasure on request (GDPR/PIPL-style, PRODUCT.md §6): their profile,
-- identities, conversations, messages, notes and visits are deleted, unless a legal hold or
-- the tenant's floor protects any of it (then nothing is, and the API answers 409 naming
-- what blocks it). What stays is the audit event `customer.erased`: ids and counts, no
-- personal data.
--
-- Note revisions are the record of who wrote what about a customer and were never
-- deletable by the service role (0002 grants SELECT and INSERT). An erasure must remove
-- them — they hold the notes' old texts — so the service role may now delete them, but only
-- inside an erasure: the transaction says so (`SET LOCAL app.erasure = 'on'`,
-- CustomerErasureRepository.erase), and nothing else sets it. The FOR ALL policy of 0005
-- becomes one per command so that DELETE can carry that condition.
DROP POLICY note_revision_visibility ON customer_note_revisions;

CREATE POLICY note_revision_visibility ON customer_note_revisions FOR SELECT
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND at >= COALESCE(NULLIF(current_setting('app.visible_since', true), '')::timestamptz, '-infinity'));

CREATE POLICY note_revision_written ON customer_note_revisions FOR INSERT
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY note_revision_erased ON customer_note_revisions FOR DELETE
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND current_setting('app.erasure', true) = 'on');

GRANT DELETE ON customer_note_revisions TO parley_app;
