-- What each channel identity said about the customer (issue: trust and administration,
-- "a customer seen with someone else's phone does not overwrite that customer's name and
-- e-mail"). An identity that joins an existing customer by phone or e-mail keeps its own
-- name, phone and e-mail here; the profile takes them only where it has none. Only the
-- customer's first identity keeps updating the profile itself.
ALTER TABLE customer_identities ADD COLUMN name text;

ALTER TABLE customer_identities ADD COLUMN phone text;

ALTER TABLE customer_identities ADD COLUMN email text;
