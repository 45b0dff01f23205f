-- Agreements between the organisation and one member. The terms live in versions; the
-- columns here are what the lifecycle sets (acceptance, termination).
CREATE TABLE agreements (
    id                 TEXT PRIMARY KEY NOT NULL,
    organisation_id    TEXT NOT NULL REFERENCES organisations (id),
    member_id          TEXT NOT NULL REFERENCES members (id),
    -- draft, offered, accepted, active, terminated, expired, declined.
    status             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    -- whole_months or days.
    pro_rata           TEXT NOT NULL,
    notice_months      INTEGER NOT NULL,
    start_date         DATE NOT NULL,
    end_date           DATE,
    accepted_on        DATE,
    signed_by          TEXT,
    -- The member's diarienummer of its decision.
    decision_reference TEXT,
    terminated_on      DATE,
    termination_reason TEXT,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX agreements_by_org ON agreements (organisation_id, member_id, status);

-- The terms as the API's JSON (amounts, rates and quantities as decimal text, never floats).
-- A version is never changed once the agreement is accepted: new terms are a new version.
CREATE TABLE agreement_versions (
    agreement_id   TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    effective_from DATE NOT NULL,
    terms          TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

-- The lifecycle history: one row per transition.
CREATE TABLE agreement_events (
    id           TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL,
    note         TEXT
);
CREATE INDEX agreement_events_by_agreement ON agreement_events (agreement_id, occurred_at);

-- Services used under an agreement, recorded after the fact and billed per period.
CREATE TABLE usage_records (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    agreement_id    TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    used_on         DATE NOT NULL,
    item_code       TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    note            TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX usage_records_by_agreement ON usage_records (agreement_id, used_on);
