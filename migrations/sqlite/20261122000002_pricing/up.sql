-- The variable-part menu of an organisation for one fee year. Prices are BIGINT minor units.
CREATE TABLE price_items (
    id                TEXT PRIMARY KEY NOT NULL,
    organisation_id   TEXT NOT NULL REFERENCES organisations (id),
    fee_year          INTEGER NOT NULL,
    code              TEXT NOT NULL,
    name_sv           TEXT NOT NULL,
    name_nb           TEXT,
    name_en           TEXT,
    unit              TEXT NOT NULL,
    unit_price_minor  BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    -- outside_scope, exempt, or a rate in percent ("25", "12", "6").
    vat               TEXT NOT NULL,
    vat_exempt_reason TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX price_items_code_key ON price_items (organisation_id, fee_year, code);

-- Index series (e.g. SKR's PKV): points are JSON, year → percent as decimal text.
CREATE TABLE index_series (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    points          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX index_series_name_key ON index_series (organisation_id, name);

-- The parameters a board decided for a fee year, as the JSON the API carries (amounts and
-- rates as decimal text, never floats).
CREATE TABLE fee_models (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    fee_year        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fee_models_name_key ON fee_models (organisation_id, fee_year, name);
