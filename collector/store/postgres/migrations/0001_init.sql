-- Results are idempotent on id, which the agent makes. Times are unix
-- nanoseconds (UTC): timestamptz keeps only microseconds. Identifiers sort
-- bytewise (COLLATE "C"), as in the SQLite store.
CREATE TABLE results (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    branch        text COLLATE "C" NOT NULL,
    device        text             NOT NULL,
    check_name    text             NOT NULL,
    kind          text             NOT NULL,
    status        text             NOT NULL,
    started_at    bigint           NOT NULL,
    duration_ms   double precision NOT NULL,
    reason        text             NOT NULL,
    observations  jsonb,
    sweep         text             NOT NULL,
    agent_version text             NOT NULL,
    received_at   bigint           NOT NULL
);

CREATE INDEX results_branch_started ON results (branch, started_at);

-- One row per branch: the last descriptor its agent sent (NULL until one
-- arrives) and the agent's last contact.
CREATE TABLE branches (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    descriptor    jsonb,
    contact_at    bigint,
    agent_version text   NOT NULL,
    config_hash   text   NOT NULL,
    clock_skew_ns bigint NOT NULL
);
