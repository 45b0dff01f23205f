-- A run is worked on by one process at a time, which holds its lease: renewed with every
-- batch, given back when the run ends. A resume while the lease runs is refused; after a
-- process died, the lease runs out and the run can be resumed anywhere.
ALTER TABLE invoice_runs ADD COLUMN lease_until TIMESTAMP;
-- When the run last went through to its end; NULL while it runs or after it stopped.
ALTER TABLE invoice_runs ADD COLUMN finished_at TIMESTAMP;
-- Runs made before leases existed: whether each finished is not known, and they can be
-- resumed either way; most did finish.
UPDATE invoice_runs SET finished_at = created_at;
