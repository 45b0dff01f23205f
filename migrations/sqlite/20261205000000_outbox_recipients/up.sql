-- How each recipient of a message stands: a server may refuse one address and take the
-- others, so delivery is recorded per recipient. A retry goes only to the recipients still
-- pending, never again to one the server took.
CREATE TABLE outbox_recipients (
    outbox_id    TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    -- The address's place in the message's `recipients`.
    position     INTEGER NOT NULL,
    address      TEXT NOT NULL,
    -- pending, delivered or failed.
    status       TEXT NOT NULL,
    -- The server's answer to a refusal, or why the last attempt did not get through.
    reply        TEXT,
    delivered_at TIMESTAMP,
    PRIMARY KEY (outbox_id, position)
);

-- The messages already written: their recipients stand as the message does. A message's
-- status may now also be `partly_failed` (some recipients delivered, the rest refused),
-- which counts as live for `outbox_live_document`.
INSERT INTO outbox_recipients (outbox_id, position, address, status, reply, delivered_at)
SELECT o.id,
       CAST(r.key AS INTEGER),
       r.value,
       CASE o.status WHEN 'sent' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
       CASE o.status WHEN 'sent' THEN NULL ELSE o.last_error END,
       CASE o.status WHEN 'sent' THEN o.sent_at END
FROM outbox o, json_each(o.recipients) r;
