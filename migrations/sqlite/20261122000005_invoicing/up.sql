-- Invoicing and payments. Money is BIGINT minor units; rates and quantities decimal TEXT.
-- Issued invoices, payments, allocations, events and the audit trail are only ever inserted:
-- a correction is a new row (a credit note, a reversal), never an update or a delete.

-- How an organisation invoices, beyond what the organisation record holds.
CREATE TABLE invoicing_settings (
    organisation_id     TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    credit_note_prefix  TEXT NOT NULL,
    -- ocr, kid_mod10 or kid_mod11.
    reference_scheme    TEXT NOT NULL,
    round_to_whole      BOOLEAN NOT NULL,
    reminder_after_days INTEGER NOT NULL,
    reminder_pay_days   INTEGER NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

-- The central bank's reference rate per half-year, as an administrator enters it.
CREATE TABLE reference_rates (
    country    TEXT NOT NULL,
    valid_from DATE NOT NULL,
    percent    TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (country, valid_from)
);

-- Gapless numbering: the last number of each series and year, bumped in the same
-- transaction that inserts the document, so a rollback takes its number back with it.
CREATE TABLE number_series (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    series          TEXT NOT NULL,
    year            INTEGER NOT NULL,
    last            BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, series, year)
);

CREATE TABLE invoice_runs (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

-- Invoices and credit notes. A draft has no number; issuing sets number, reference, dates,
-- totals and the document once, after which the row never changes.
CREATE TABLE invoices (
    id                 TEXT PRIMARY KEY NOT NULL,
    organisation_id    TEXT NOT NULL REFERENCES organisations (id),
    member_id          TEXT NOT NULL REFERENCES members (id),
    agreement_id       TEXT REFERENCES agreements (id),
    run_id             TEXT REFERENCES invoice_runs (id),
    -- invoice or credit-note.
    kind               TEXT NOT NULL,
    credits_invoice_id TEXT REFERENCES invoices (id),
    language           TEXT NOT NULL,
    currency           TEXT NOT NULL,
    period_start       DATE NOT NULL,
    period_end         DATE NOT NULL,
    buyer_reference    TEXT,
    our_reference      TEXT,
    -- Set when issued.
    series             TEXT,
    number             TEXT,
    invoice_date       DATE,
    due_date           DATE,
    payment_reference  TEXT,
    net_minor          BIGINT NOT NULL,
    vat_minor          BIGINT NOT NULL,
    rounding_minor     BIGINT NOT NULL,
    total_minor        BIGINT NOT NULL,
    document_id        TEXT REFERENCES documents (id),
    issued_by          TEXT,
    issued_at          TIMESTAMP,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invoices_number_key ON invoices (organisation_id, number);
CREATE UNIQUE INDEX invoices_reference_key ON invoices (organisation_id, payment_reference);
CREATE INDEX invoices_by_member ON invoices (organisation_id, member_id, invoice_date);
CREATE INDEX invoices_by_credited ON invoices (credits_invoice_id);

CREATE TABLE invoice_lines (
    invoice_id        TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    description       TEXT NOT NULL,
    quantity          TEXT NOT NULL,
    unit              TEXT NOT NULL,
    unit_price_minor  BIGINT NOT NULL,
    -- outside_scope, exempt or a rate in percent.
    vat               TEXT NOT NULL,
    vat_exempt_reason TEXT,
    amount_minor      BIGINT NOT NULL,
    -- What the line bills, so that a later run knows what was billed: the statement
    -- component (fixed or variable) and the fee year.
    component         TEXT,
    fee_year          INTEGER,
    PRIMARY KEY (invoice_id, position)
);

-- The agreement periods an invoice billed: the key that keeps a run from billing one twice.
CREATE TABLE billed_periods (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    part         TEXT NOT NULL,
    period_start DATE NOT NULL,
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    PRIMARY KEY (agreement_id, part, period_start)
);

-- What happened to an invoice that its status is derived from: issued, sent, written_off.
CREATE TABLE invoice_events (
    id          TEXT PRIMARY KEY NOT NULL,
    invoice_id  TEXT NOT NULL REFERENCES invoices (id),
    kind        TEXT NOT NULL,
    note        TEXT,
    occurred_on DATE NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX invoice_events_by_invoice ON invoice_events (invoice_id);

-- Incoming money. A reversal is a new row with the opposite amount naming the original.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- Unknown until the payment is matched or allocated by hand.
    member_id       TEXT REFERENCES members (id),
    amount_minor    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    paid_on         DATE NOT NULL,
    payer           TEXT,
    reference       TEXT,
    -- manual or bank_file.
    source          TEXT NOT NULL,
    reverses_id     TEXT REFERENCES payments (id),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX payments_by_org ON payments (organisation_id, paid_on);
CREATE UNIQUE INDEX payments_reversal_key ON payments (reverses_id);

-- Where a payment's money went: to an invoice, or back to the payer (a refund, no
-- invoice). Negative rows undo earlier ones.
CREATE TABLE allocations (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    payment_id      TEXT NOT NULL REFERENCES payments (id),
    invoice_id      TEXT REFERENCES invoices (id),
    amount_minor    BIGINT NOT NULL,
    allocated_on    DATE NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX allocations_by_payment ON allocations (payment_id);
CREATE INDEX allocations_by_invoice ON allocations (invoice_id);

-- The first response to each Idempotency-Key, replayed for a repeated request.
CREATE TABLE idempotency_keys (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, key)
);

-- Reminders sent, with what each listed; förseningsersättning is charged once per invoice.
CREATE TABLE reminders (
    id               TEXT PRIMARY KEY NOT NULL,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    member_id        TEXT NOT NULL REFERENCES members (id),
    reminder_date    DATE NOT NULL,
    new_due_date     DATE NOT NULL,
    -- The invoice charging interest and fees, when there were any.
    charge_invoice_id TEXT REFERENCES invoices (id),
    document_id      TEXT NOT NULL REFERENCES documents (id),
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE TABLE reminder_items (
    reminder_id        TEXT NOT NULL REFERENCES reminders (id),
    invoice_id         TEXT NOT NULL REFERENCES invoices (id),
    outstanding_minor  BIGINT NOT NULL,
    interest_minor     BIGINT NOT NULL,
    compensation_minor BIGINT NOT NULL,
    PRIMARY KEY (reminder_id, invoice_id)
);
CREATE INDEX reminder_items_by_invoice ON reminder_items (invoice_id);

-- Who changed what, when, with the values before and after (JSON). Insert-only.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    action          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    old_value       TEXT,
    new_value       TEXT
);
CREATE INDEX audit_log_by_entity ON audit_log (organisation_id, entity, entity_id, occurred_at);
