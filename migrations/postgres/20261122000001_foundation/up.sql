-- Identifiers are UUIDv7 text: time-ordered for keyset pagination, not guessable across
-- organisations. Money is never stored here as a float; later tables use BIGINT minor units.
CREATE TABLE organisations (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    legal_name         TEXT NOT NULL,
    country            TEXT NOT NULL,
    org_number         TEXT NOT NULL,
    vat_status         TEXT NOT NULL,
    vat_number         TEXT,
    address_line1      TEXT NOT NULL,
    address_line2      TEXT,
    postal_code        TEXT NOT NULL,
    city               TEXT NOT NULL,
    address_country    TEXT NOT NULL,
    seat               TEXT NOT NULL,
    f_skatt            BOOLEAN NOT NULL,
    bankgiro           TEXT,
    plusgiro           TEXT,
    iban               TEXT,
    bic                TEXT,
    default_currency   TEXT NOT NULL,
    default_language   TEXT NOT NULL,
    payment_terms_days INTEGER NOT NULL,
    invoice_prefix     TEXT NOT NULL,
    contact_email      TEXT NOT NULL,
    signatories        TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE members (
    id                  TEXT PRIMARY KEY NOT NULL,
    organisation_id     TEXT NOT NULL REFERENCES organisations (id),
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    country             TEXT NOT NULL,
    org_number          TEXT,
    municipality_code   TEXT,
    county_code         TEXT,
    county_name         TEXT,
    billing_line1       TEXT,
    billing_line2       TEXT,
    billing_postal_code TEXT,
    billing_city        TEXT,
    billing_country     TEXT,
    invoice_email       TEXT,
    peppol_endpoint     TEXT,
    buyer_reference     TEXT,
    language            TEXT NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL,
    archived_at         TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX members_org_number_key ON members (organisation_id, country, org_number);
CREATE UNIQUE INDEX members_municipality_code_key ON members (organisation_id, country, municipality_code);
CREATE INDEX members_by_name ON members (organisation_id, name_key, id);

CREATE TABLE populations (
    member_id      TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    reference_date DATE NOT NULL,
    count          BIGINT NOT NULL,
    source         TEXT,
    recorded_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, reference_date)
);

CREATE TABLE contacts (
    id                   TEXT PRIMARY KEY NOT NULL,
    organisation_id      TEXT NOT NULL REFERENCES organisations (id),
    member_id            TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    title                TEXT,
    email                TEXT,
    phone                TEXT,
    receives_offers      BOOLEAN NOT NULL,
    receives_invoices    BOOLEAN NOT NULL,
    receives_newsletters BOOLEAN NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX contacts_by_member ON contacts (member_id);

-- Only the SHA-256 of a token is kept; the token itself is shown once when created.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    role            TEXT NOT NULL,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP
);
