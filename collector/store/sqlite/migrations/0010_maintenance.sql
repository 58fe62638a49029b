-- Maintenance windows made on the board or through the API, for a branch or
-- a region: the window as JSON (calendar.Window, no devices meaning the whole
-- branch), who made it and why. A deleted window is kept with deleted_at set
-- (unix nanoseconds; 0: not deleted), so that the SLA roller re-rolls the
-- past days it covered.
CREATE TABLE maintenance (
    id         TEXT   NOT NULL PRIMARY KEY,
    branch     TEXT   NOT NULL,
    region     TEXT   NOT NULL,
    spec       TEXT   NOT NULL,
    comment    TEXT   NOT NULL,
    created_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    deleted_by TEXT   NOT NULL DEFAULT '',
    deleted_at BIGINT NOT NULL DEFAULT 0
);
