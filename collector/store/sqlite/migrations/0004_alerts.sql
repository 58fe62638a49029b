-- Incidents (the alert engine's state, as JSON), the outbox of decided
-- notifications, the thread of each incident's message per route, silences.
CREATE TABLE incidents (
    id         TEXT    NOT NULL PRIMARY KEY,
    branch     TEXT    NOT NULL,
    device     TEXT    NOT NULL,
    check_name TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    opened_at  BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX incidents_state ON incidents (state, updated_at);

CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident      TEXT    NOT NULL,
    notifier      TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    op            TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    decided_at    BIGINT  NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    BIGINT  NOT NULL DEFAULT 0,
    claimed_until BIGINT  NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    done_at       BIGINT,
    channel       TEXT    NOT NULL DEFAULT '',
    ts            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (state, incident, notifier, target, seq);
CREATE INDEX outbox_incident ON outbox (incident, seq);

CREATE TABLE threads (
    incident TEXT NOT NULL,
    notifier TEXT NOT NULL,
    target   TEXT NOT NULL,
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (incident, notifier, target)
);

CREATE TABLE silences (
    id         TEXT   NOT NULL PRIMARY KEY,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    created_by TEXT   NOT NULL,
    comment    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    body       TEXT   NOT NULL
);
