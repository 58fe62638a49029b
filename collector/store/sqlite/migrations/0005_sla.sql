-- SLA rollups: one row per final branch-day and one per device of it,
-- written by the roll-up job and replaced when a day's verdict changes.
-- Reports read these, never raw results, by date range: the keys start
-- with the date so that a month is one contiguous range. Durations in ms.
CREATE TABLE sla_days (
    branch      TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    deadline    BIGINT  NOT NULL,
    to_ready_ms BIGINT,
    device_ms   BIGINT  NOT NULL,
    up_ms       BIGINT  NOT NULL,
    failures    INTEGER NOT NULL,
    repairs     INTEGER NOT NULL,
    repair_ms   BIGINT  NOT NULL,
    rolled_at   BIGINT  NOT NULL,
    PRIMARY KEY (date, branch)
) WITHOUT ROWID;

CREATE TABLE sla_devices (
    branch      TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    device      TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    vendor      TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    business_ms BIGINT  NOT NULL,
    up_ms       BIGINT  NOT NULL,
    failures    INTEGER NOT NULL,
    repairs     INTEGER NOT NULL,
    repair_ms   BIGINT  NOT NULL,
    blamed      INTEGER NOT NULL,
    PRIMARY KEY (date, branch, device)
) WITHOUT ROWID;
