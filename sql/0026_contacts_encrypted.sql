-- Contact data encrypted at rest (issue: trust and administration; docs/contacts.md).
-- Customers' phone numbers and e-mail addresses, what each identity said about them, and
-- two-step secrets are written by the service sealed with AES-256-GCM (ContactVault: a
-- format byte, the key id, nonce, ciphertext, tag). Beside each contact, an HMAC-SHA256
-- of its normalised form lets exact lookups and the cross-channel merge use an index; for
-- phones also one of the masked form (138****5678), for the masked filter.
--
-- The keys are not in the database, so this migration cannot encrypt what is already
-- stored: the plaintext columns stay, are read only as a fallback, and `parley keys rotate`
-- seals every value left in them and empties them (resumable, in batches).
ALTER TABLE customers ADD COLUMN phone_sealed bytea;

ALTER TABLE customers ADD COLUMN phone_hash bytea;

ALTER TABLE customers ADD COLUMN masked_phone_hash bytea;

ALTER TABLE customers ADD COLUMN email_sealed bytea;

ALTER TABLE customers ADD COLUMN email_hash bytea;

CREATE INDEX customers_phone_hash ON customers (tenant_id, phone_hash) WHERE phone_hash IS NOT NULL;

CREATE INDEX customers_masked_phone_hash ON customers (tenant_id, masked_phone_hash) WHERE masked_phone_hash IS NOT NULL;

CREATE INDEX customers_email_hash ON customers (tenant_id, email_hash) WHERE email_hash IS NOT NULL;

ALTER TABLE customer_identities ADD COLUMN phone_sealed bytea;

ALTER TABLE customer_identities ADD COLUMN email_sealed bytea;

ALTER TABLE two_step_secrets ADD COLUMN secret_sealed bytea;

ALTER TABLE two_step_secrets ALTER COLUMN secret DROP NOT NULL;

ALTER TABLE two_step_secrets ADD CONSTRAINT two_step_secrets_secret_kept CHECK (secret IS NOT NULL OR secret_sealed IS NOT NULL);
