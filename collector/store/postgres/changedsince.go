package postgres

// changedSince reads the contacts at or after $1 that store $2 did not
// write, and those of the branches $3 that it did (the unsure ones; see
// BranchesChangedSince), each row once, ordered by id.
//
// Every step is an index probe whatever the statistics say, as the
// statistics are wrong during a wave: taken after the branches' import,
// when no row had a writer (NULL), they made the planner scan every
// branch for the rows of other writers (or of none), although by then
// this store had written every row (24 ms and 2,900 pages a call, 0 rows,
// a few calls a second in a 20,000-branch wave). So:
//   - writers walks the distinct writers in the index on written_by, a
//     probe each (LIMIT 1 of an ordered walk: never a scan), and a writer
//     other than $2 then has its rows read by that index (OFFSET 0 keeps
//     the lookup a loop over the writers found, which a join of every
//     branch could not be: alone on the store, the loop never runs);
//   - the rows without a writer are read only when the last entry of the
//     index (NULLs sort last) says there are any;
//   - the unsure rows are found by their ids.
const changedSince = `WITH RECURSIVE writers AS (
		(SELECT written_by FROM branches WHERE written_by IS NOT NULL ORDER BY written_by LIMIT 1)
		UNION ALL
		SELECT n.written_by FROM writers w CROSS JOIN LATERAL (
			SELECT b.written_by FROM branches b WHERE b.written_by > w.written_by ORDER BY b.written_by LIMIT 1) n)
	SELECT c.* FROM (
		SELECT b.* FROM writers w CROSS JOIN LATERAL (
			SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branches
			WHERE written_by = w.written_by AND contact_at >= $1 OFFSET 0) b
		WHERE w.written_by <> $2
		UNION ALL
		SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branches
		WHERE written_by IS NULL AND contact_at >= $1
			AND (SELECT l.written_by IS NULL FROM branches l ORDER BY l.written_by DESC NULLS FIRST LIMIT 1)
		UNION ALL
		SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branches
		WHERE id = ANY($3) AND written_by = $2 AND contact_at >= $1) c
	ORDER BY c.id`
