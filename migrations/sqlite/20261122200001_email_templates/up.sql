-- An organisation's own wording of an email kind in a language; the shipped templates
-- (pdf-templates/email) are used for everything it has not replaced.
CREATE TABLE email_templates (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- offer, invoice, reminder or newsletter.
    kind            TEXT NOT NULL,
    language        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, kind, language)
);
