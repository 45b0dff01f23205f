-- Whether issuing an invoice (alone or in a run) also queues its email in the outbox.
ALTER TABLE invoicing_settings ADD COLUMN send_on_issue BOOLEAN NOT NULL DEFAULT FALSE;
