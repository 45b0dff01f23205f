-- Issued documents: the PDF as it was sent, with its SHA-256, so that anyone can prove a
-- stored document unchanged. Rows are only ever inserted; a correction is a new document.
CREATE TABLE documents (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- offer, invoice, credit-note, reminder, statement.
    kind            TEXT NOT NULL,
    language        TEXT NOT NULL,
    member_id       TEXT NOT NULL REFERENCES members (id),
    agreement_id    TEXT REFERENCES agreements (id),
    fee_year        INTEGER,
    title           TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    content         BYTEA NOT NULL,
    -- The name of the token that issued it.
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX documents_by_org ON documents (organisation_id, member_id, created_at);
CREATE INDEX documents_by_agreement ON documents (agreement_id);

-- An organisation's own copy of a template, checked before it was stored.
CREATE TABLE document_templates (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    language        TEXT NOT NULL,
    source          TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, kind, language)
);

-- The logo on an organisation's letterhead, as uploaded (PNG or JPEG).
CREATE TABLE organisation_logos (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    media_type      TEXT NOT NULL,
    content         BYTEA NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
