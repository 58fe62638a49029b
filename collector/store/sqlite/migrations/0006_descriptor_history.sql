-- Every version of each branch's descriptor, keyed by when the collector
-- first received it, so a past branch-day is judged by the rules in force
-- that day rather than today's. The descriptors already kept become the
-- first versions, in force since the beginning (effective_at 0).
CREATE TABLE descriptor_history (
    branch       TEXT   NOT NULL,
    effective_at BIGINT NOT NULL,
    descriptor   TEXT   NOT NULL,
    PRIMARY KEY (branch, effective_at)
) WITHOUT ROWID;

INSERT INTO descriptor_history (branch, effective_at, descriptor)
SELECT id, 0, descriptor FROM branches WHERE descriptor IS NOT NULL;
