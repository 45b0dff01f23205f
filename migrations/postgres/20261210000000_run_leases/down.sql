ALTER TABLE invoice_runs DROP COLUMN finished_at;
ALTER TABLE invoice_runs DROP COLUMN lease_until;
