-- The second SLA rollup level: per date and group (the bank, a region, a
-- device kind, vendor or model; and per month and branch, date YYYY-MM) the sums of the day or device rows, and a
-- time-to-ready histogram in one-second buckets ("second:count,..."), kept in
-- step with sla_days and sla_devices by the same transaction. A month's report
-- for the bank, a region or a model reads days x groups rows from here.
-- Durations in ms.
CREATE TABLE sla_totals (
    dim       TEXT    NOT NULL,
    date      TEXT    NOT NULL,
    grp       TEXT    NOT NULL,
    due       INTEGER NOT NULL,
    ready     INTEGER NOT NULL,
    degraded  INTEGER NOT NULL,
    unknown   INTEGER NOT NULL,
    never     INTEGER NOT NULL,
    to_ready  TEXT    NOT NULL,
    device_ms BIGINT  NOT NULL,
    up_ms     BIGINT  NOT NULL,
    failures  INTEGER NOT NULL,
    repairs   INTEGER NOT NULL,
    repair_ms BIGINT  NOT NULL,
    blamed    INTEGER NOT NULL,
    PRIMARY KEY (dim, date, grp)
);

-- Fill it from the rollups already stored.
INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'bank', date, 'bank', count(*),
       sum(CASE WHEN verdict = 'ready' THEN 1 ELSE 0 END), sum(CASE WHEN verdict = 'ready_degraded' THEN 1 ELSE 0 END),
       sum(CASE WHEN verdict = 'unknown' THEN 1 ELSE 0 END), sum(CASE WHEN to_ready_ms IS NULL THEN 1 ELSE 0 END), '',
       sum(device_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), 0
FROM sla_days WHERE verdict <> 'closed' GROUP BY date;

INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'region', date, region, count(*),
       sum(CASE WHEN verdict = 'ready' THEN 1 ELSE 0 END), sum(CASE WHEN verdict = 'ready_degraded' THEN 1 ELSE 0 END),
       sum(CASE WHEN verdict = 'unknown' THEN 1 ELSE 0 END), sum(CASE WHEN to_ready_ms IS NULL THEN 1 ELSE 0 END), '',
       sum(device_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), 0
FROM sla_days WHERE verdict <> 'closed' GROUP BY date, region;

INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'branch_month', substr(date, 1, 7), branch, count(*),
       sum(CASE WHEN verdict = 'ready' THEN 1 ELSE 0 END), sum(CASE WHEN verdict = 'ready_degraded' THEN 1 ELSE 0 END),
       sum(CASE WHEN verdict = 'unknown' THEN 1 ELSE 0 END), sum(CASE WHEN to_ready_ms IS NULL THEN 1 ELSE 0 END), '',
       sum(device_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), 0
FROM sla_days WHERE verdict <> 'closed' GROUP BY substr(date, 1, 7), branch;

UPDATE sla_totals SET to_ready = coalesce((
    SELECT string_agg(b || ':' || n, ',') FROM (
        SELECT CASE WHEN d.to_ready_ms >= 0 THEN (d.to_ready_ms + 500) / 1000 ELSE -((500 - d.to_ready_ms) / 1000) END AS b, count(*) AS n
        FROM sla_days d
        WHERE d.verdict <> 'closed' AND d.to_ready_ms IS NOT NULL AND (
              (sla_totals.dim = 'bank' AND d.date = sla_totals.date)
           OR (sla_totals.dim = 'region' AND d.date = sla_totals.date AND d.region = sla_totals.grp)
           OR (sla_totals.dim = 'branch_month' AND d.branch = sla_totals.grp AND d.date >= sla_totals.date || '-01' AND d.date <= sla_totals.date || '-31'))
        GROUP BY 1) h), '')
WHERE dim IN ('bank', 'region', 'branch_month');

INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'device_kind', date, kind, 0, 0, 0, 0, 0, '', sum(business_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), sum(blamed)
FROM sla_devices GROUP BY date, kind;

INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'vendor', date, vendor, 0, 0, 0, 0, 0, '', sum(business_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), sum(blamed)
FROM sla_devices GROUP BY date, vendor;

INSERT INTO sla_totals (dim, date, grp, due, ready, degraded, unknown, never, to_ready, device_ms, up_ms, failures, repairs, repair_ms, blamed)
SELECT 'model', date, vendor || chr(31) || model, 0, 0, 0, 0, 0, '', sum(business_ms), sum(up_ms), sum(failures), sum(repairs), sum(repair_ms), sum(blamed)
FROM sla_devices GROUP BY date, vendor, model;

-- Revisions of a branch-day's verdict after its deadline: kept, never
-- replaced; the first one's verdict_before is what was known at the deadline.
CREATE TABLE sla_revisions (
    branch             TEXT   NOT NULL,
    date               TEXT   NOT NULL,
    at                 BIGINT NOT NULL,
    verdict_before     TEXT   NOT NULL,
    verdict            TEXT   NOT NULL,
    to_ready_before_ms BIGINT,
    to_ready_ms        BIGINT,
    reason             TEXT   NOT NULL,
    PRIMARY KEY (branch, date, at)
);
