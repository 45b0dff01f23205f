-- Webhooks: an organisation's HTTP endpoints and the events each wants. The secret signs
-- every delivery (Standard Webhooks); it is kept as given out, because signing needs it.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    url             TEXT NOT NULL,
    description     TEXT,
    -- The event types as a JSON array of strings.
    events          TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_by_organisation ON webhook_endpoints (organisation_id);

-- One event for one endpoint, written in the transaction of the change it tells of (a
-- durable outbox) and posted later by a worker. Its id is the `webhook-id` header, the
-- same on every attempt and replay.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    event_type      TEXT NOT NULL,
    -- The body exactly as posted and signed.
    payload         TEXT NOT NULL,
    -- pending, sending, delivered or failed.
    status          TEXT NOT NULL,
    -- Attempts in the current series (a replay starts a new one).
    attempts        INTEGER NOT NULL,
    -- When pending: not before. When sending: the lease, after which another worker takes
    -- the delivery over from one that died.
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Every attempt and what came of it: the receiver's status code, or the error (a timeout,
-- a refused connection), and how long it took.
CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id),
    number       INTEGER NOT NULL,
    -- 1 for the first series, one more for each replay.
    series       INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
