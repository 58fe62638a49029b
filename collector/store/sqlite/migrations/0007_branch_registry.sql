-- The branch registry: branches by name, their agents' tokens (SHA-256 of
-- the token, never the token) and one-time enrollment codes (SHA-256 too).
-- Times are unix nanoseconds; 0 means never.
CREATE TABLE branch_registry (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    revoked_at BIGINT  NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE agent_tokens (
    hash       TEXT    NOT NULL PRIMARY KEY,
    branch     TEXT    NOT NULL REFERENCES branch_registry (id),
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL DEFAULT 0,
    revoked_at BIGINT  NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX agent_tokens_branch ON agent_tokens (branch);

CREATE TABLE enroll_codes (
    hash       TEXT    NOT NULL PRIMARY KEY,
    branch     TEXT    NOT NULL REFERENCES branch_registry (id),
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT  NOT NULL DEFAULT 0
) WITHOUT ROWID;
