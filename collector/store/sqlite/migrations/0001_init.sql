-- Results are idempotent on id, which the agent makes. Times are unix
-- nanoseconds (UTC), so they sort and compare as integers without loss.
CREATE TABLE results (
    id            TEXT    NOT NULL PRIMARY KEY,
    branch        TEXT    NOT NULL,
    device        TEXT    NOT NULL,
    check_name    TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    INTEGER NOT NULL,
    duration_ms   REAL    NOT NULL,
    reason        TEXT    NOT NULL,
    observations  TEXT,
    sweep         TEXT    NOT NULL,
    agent_version TEXT    NOT NULL,
    received_at   INTEGER NOT NULL
);

CREATE INDEX results_branch_started ON results (branch, started_at);

-- One row per branch: the last descriptor its agent sent (JSON, NULL until
-- one arrives) and the agent's last contact.
CREATE TABLE branches (
    id            TEXT    NOT NULL PRIMARY KEY,
    descriptor    TEXT,
    contact_at    INTEGER,
    agent_version TEXT    NOT NULL,
    config_hash   TEXT    NOT NULL,
    clock_skew_ns INTEGER NOT NULL
);
