-- Raw results partitioned by event time (started_at, unix ns), one
-- partition per UTC day, so that retention drops whole days instead of
-- deleting rows (no dead tuples, no vacuum debt: 14 million rows a day at
-- 20,000 branches). The store creates the partitions ahead (at start and on
-- every retention run) and drops those past the retention; a row outside
-- every partition lands in results_default, which the retention run moves
-- into its day's partition or, past the retention, removes and counts.
--
-- A partitioned table's unique key must include the partition key, so the
-- primary key is (id, started_at). A result is still stored once per id:
-- WriteResults looks for the id near the row's started_at before inserting
-- (see write.go), because a retried result from a skewed agent carries a
-- differently corrected started_at.
ALTER TABLE results RENAME TO results_unpartitioned;
ALTER TABLE results_unpartitioned RENAME CONSTRAINT results_pkey TO results_unpartitioned_pkey;
ALTER INDEX results_branch_started RENAME TO results_unpartitioned_branch_started;

CREATE TABLE results (
    id            text COLLATE "C" NOT NULL,
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
    received_at   bigint           NOT NULL,
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

CREATE INDEX results_branch_started ON results (branch, started_at);

CREATE TABLE results_default PARTITION OF results DEFAULT;

-- One partition for every UTC day that has rows, then the rows.
DO $$
DECLARE
    day bigint;
    ns_per_day constant bigint := 86400000000000;
BEGIN
    FOR day IN SELECT DISTINCT floor(started_at::numeric / ns_per_day)::bigint FROM results_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF results FOR VALUES FROM (%s) TO (%s)',
            'results_' || to_char(to_timestamp(day * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD'),
            day * ns_per_day, (day + 1) * ns_per_day);
    END LOOP;
END $$;

INSERT INTO results SELECT id, branch, device, check_name, kind, status, started_at, duration_ms, reason,
    observations, sweep, agent_version, received_at FROM results_unpartitioned;

DROP TABLE results_unpartitioned;
