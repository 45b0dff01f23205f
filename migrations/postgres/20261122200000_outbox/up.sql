-- The outbox: every email avtal sends, written in the same transaction as the business
-- event that causes it (an offer, invoice or reminder sent, a newsletter), and sent later
-- by a worker. A row is marked sent only after the mail server accepted the message.

CREATE TABLE outbox (
    id                 TEXT PRIMARY KEY NOT NULL,
    organisation_id    TEXT NOT NULL REFERENCES organisations (id),
    member_id          TEXT REFERENCES members (id),
    -- offer, invoice, reminder or newsletter.
    kind               TEXT NOT NULL,
    -- The issued document attached as it was stored (the bytes its SHA-256 was taken of).
    document_id        TEXT REFERENCES documents (id),
    language           TEXT NOT NULL,
    -- The To addresses as a JSON array of strings.
    recipients         TEXT NOT NULL,
    subject            TEXT NOT NULL,
    body_text          TEXT NOT NULL,
    body_html          TEXT,
    -- A newsletter's own attachment; a document's attachment is read from `documents`.
    attachment_name    TEXT,
    attachment_content BYTEA,
    -- Generated once at enqueue, so a message sent twice after a crash is recognisable as
    -- the same message.
    message_id         TEXT NOT NULL UNIQUE,
    -- pending, sending, sent or failed.
    status             TEXT NOT NULL,
    attempts           INTEGER NOT NULL,
    -- When pending: not before. When sending: the lease, after which another worker takes
    -- the message over from one that died.
    next_attempt_at    TIMESTAMP NOT NULL,
    last_error         TEXT,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    sent_at            TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_member ON outbox (organisation_id, member_id);
-- One live message per document: sending a document again answers with its message
-- instead of mailing the municipality twice; after a failure a new one may be written.
CREATE UNIQUE INDEX outbox_live_document ON outbox (document_id) WHERE status <> 'failed';
