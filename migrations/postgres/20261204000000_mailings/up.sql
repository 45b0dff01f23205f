-- A newsletter sent to the members, remembered so that sending it again mails nobody
-- twice, and so that a resend can reach only those whose message failed.
CREATE TABLE mailings (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- SHA-256 of the subject, text, HTML and attachment: the same mailing again.
    fingerprint     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX mailings_once ON mailings (organisation_id, fingerprint);

-- Each message a mailing wrote to the outbox, per member: the first, and any resent.
CREATE TABLE mailing_messages (
    mailing_id TEXT NOT NULL REFERENCES mailings (id),
    outbox_id  TEXT NOT NULL REFERENCES outbox (id),
    member_id  TEXT NOT NULL REFERENCES members (id),
    PRIMARY KEY (mailing_id, outbox_id)
);
