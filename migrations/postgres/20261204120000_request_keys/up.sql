-- Idempotency-Key of every POST that creates or sends: the first answer, replayed for the
-- same key and body. Scoped by organisation (or the operator), kept at least 24 hours.
-- Separate from idempotency_keys, which holds bank references for good.
CREATE TABLE request_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BYTEA,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX request_keys_created_at ON request_keys (created_at);
