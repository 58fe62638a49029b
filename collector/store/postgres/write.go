package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// DedupWindow is how far apart in started_at two copies of one result id
// may be stored and still be recognised as one. The results table is
// partitioned by started_at, so its unique key is (id, started_at), not id
// alone; and ingest corrects the event times of a skewed agent by the skew
// it measures on each request, so a retried batch carries the same ids
// with started_at moved by a few milliseconds (the transit time differs),
// by the skew threshold (one attempt corrected, the next not), or by the
// whole skew (the agent's clock was set right between the attempts). Every
// write therefore looks for each id within this window of its started_at
// before inserting: a probe of the primary key in the two or three daily
// partitions the window spans. A copy moved further than a day (a clock a
// day off, corrected while the result waited in the spool) is stored again.
const DedupWindow = 24 * time.Hour

// lockBranches takes a transaction-level advisory lock per branch of the
// batch ($1), in one order so that two batches never wait for each other
// in a cycle: concurrent writers of one branch are serialised, so two
// copies of a result in flight at once (an agent retrying through another
// collector) cannot both pass insertResults' check (identical copies also
// meet on the primary key). It is a statement of its own, before the
// insert in the same transaction: a statement reads with the snapshot
// taken when it starts, so a check in the statement that waited for the
// lock would not see the rows the lock's previous holder committed. The
// keys live in their own space (the two-key form) apart from the leader's
// and the migration's.
const lockBranches = `SELECT count(pg_advisory_xact_lock(1651663458, h)) FROM (
	SELECT DISTINCT hashtext(b) AS h FROM unnest($1::text[]) AS b ORDER BY 1) AS k`

// insertResults inserts the rows of the arrays whose id is not stored
// within DedupWindow of their started_at, in one statement.
//
// The check reads the batch's ids once ("known": the primary key searched
// for all of them at once in the few partitions the batch's times span,
// $15 and $16 being the batch's earliest and latest started_at widened by
// the window, so the other partitions are pruned before it runs), then
// keeps the rows with no known copy within the window of their own time.
// A retry finds its copies there; a new batch finds nothing, and pays one
// index scan per partition instead of a lookup per row and partition.
//
// It has no ON CONFLICT clause: under lockBranches the check sees every
// committed copy of the batch's results (a copy of a result carries its
// branch), and an ON CONFLICT insert costs the server a speculative
// insertion per row (an extra search of the primary key and a lock), a
// sixth of its work in the wave. The one copy the check cannot see is one
// a transaction of another branch is writing at the same moment (an id
// an agent reused across branches): the insert then fails on the primary
// key, and the batch is written again with insertResultsOnConflict.
const insertResults = `WITH known AS MATERIALIZED (SELECT id, started_at FROM results
	WHERE id = ANY($1::text[]) AND started_at BETWEEN $15::bigint AND $16::bigint)
INSERT INTO results (id, branch, device, check_name, kind, status, started_at,
	duration_ms, reason, observations, sweep, agent_version, received_at)
SELECT id, branch, device, check_name, kind, status, started_at, duration_ms, reason, observations::jsonb,
	sweep, agent_version, received_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
	$8::float8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[])
	WITH ORDINALITY AS u(id, branch, device, check_name, kind, status, started_at, duration_ms, reason,
	observations, sweep, agent_version, received_at, n)
WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.id = u.id
	AND k.started_at BETWEEN u.started_at - $14::bigint AND u.started_at + $14::bigint)
ORDER BY n`

// insertResultsOnConflict is insertResults leaving out, rather than
// failing on, a row whose copy another transaction stored meanwhile.
const insertResultsOnConflict = insertResults + "\nON CONFLICT (id, started_at) DO NOTHING"

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// queueResults queues, on b, the lock of rs's branches and the insert of
// rs (first copies only, not empty); inserted receives how many rows the
// insert stored.
func queueResults(b *pgx.Batch, insert string, rs []result.Result, receivedAt time.Time, inserted *int) error {
	cols, err := columnsOf(rs, receivedAt)
	if err != nil {
		return err
	}
	queueInsert(b, insert, rs, cols).Exec(func(tag pgconn.CommandTag) error {
		*inserted = int(tag.RowsAffected())
		return nil
	})
	return nil
}

// queueInsert queues, on b, the lock of rs's branches and insert of cols
// (rs laid out by column), and returns the insert's queued query.
func queueInsert(b *pgx.Batch, insert string, rs []result.Result, cols columns) *pgx.QueuedQuery {
	lo, hi := span(cols.started)
	b.Queue(lockBranches, branchesOf(rs))
	return b.Queue(insert, cols.id, cols.branch, cols.device, cols.check, cols.kind, cols.status,
		cols.started, cols.duration, cols.reason, cols.obs, cols.sweep, cols.agent, cols.received, int64(DedupWindow),
		lo-int64(DedupWindow), hi+int64(DedupWindow))
}

// WriteResults stores rs in one transaction (one round trip), committed
// before it returns.
// Results whose id is already stored (within DedupWindow of their
// started_at), or repeated within rs, are counted as duplicates and left
// as they are (the first copy wins).
func (s *Store) WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error) {
	if len(rs) == 0 {
		return 0, 0, ctx.Err()
	}
	first := firstCopies(rs)
	n, err := s.writeResults(ctx, insertResults, first, receivedAt)
	if isUniqueViolation(err) {
		n, err = s.writeResults(ctx, insertResultsOnConflict, first, receivedAt)
	}
	if err != nil {
		return 0, 0, err
	}
	return n, len(rs) - n, nil
}

// writeResults stores rs (first copies only) with the insert statement
// given, in one transaction, and returns how many it stored.
func (s *Store) writeResults(ctx context.Context, insert string, rs []result.Result, receivedAt time.Time) (int, error) {
	var b pgx.Batch
	var n int
	if err := queueResults(&b, insert, rs, receivedAt, &n); err != nil {
		return 0, fmt.Errorf("postgres store: %w", err)
	}
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return 0, fmt.Errorf("postgres store: write %d results: %w", len(rs), err)
	}
	return n, nil
}

// firstCopies drops the later copies of an id repeated within rs: the
// store cannot tell them apart by (id, started_at) when their times differ.
func firstCopies(rs []result.Result) []result.Result {
	seen := make(map[string]struct{}, len(rs))
	out := rs[:0:0]
	for i := range rs {
		if _, dup := seen[rs[i].ID]; dup {
			continue
		}
		seen[rs[i].ID] = struct{}{}
		out = append(out, rs[i])
	}
	if len(out) == len(rs) {
		return rs
	}
	return out
}

// branchesOf lists the distinct branches of rs.
func branchesOf(rs []result.Result) []string {
	var out []string
	seen := map[string]bool{}
	for i := range rs {
		if !seen[rs[i].Branch] {
			seen[rs[i].Branch] = true
			out = append(out, rs[i].Branch)
		}
	}
	return out
}

// columns holds a batch column by column, as unnest takes it.
type columns struct {
	id, branch, device, check, kind, status, reason, sweep, agent []string
	started, received                                             []int64
	duration                                                      []float64
	obs                                                           []pgtype.Text // invalid: NULL
}

// columnsOf lays rs out by column, each received at receivedAt.
func columnsOf(rs []result.Result, receivedAt time.Time) (columns, error) {
	n := len(rs)
	c := columns{
		id: make([]string, n), branch: make([]string, n), device: make([]string, n), check: make([]string, n),
		kind: make([]string, n), status: make([]string, n), reason: make([]string, n), sweep: make([]string, n),
		agent: make([]string, n), started: make([]int64, n), duration: make([]float64, n), obs: make([]pgtype.Text, n),
		received: make([]int64, n),
	}
	// The observations are encoded into one buffer, then cut from one
	// string: one allocation for the batch instead of two per result.
	buf := make([]byte, 0, 32*n)
	ends := make([]int, n) // end of result i's observations in buf
	for i := range rs {
		r := &rs[i]
		c.id[i], c.branch[i], c.device[i], c.check[i], c.kind[i] = r.ID, r.Branch, r.Device, r.Check, r.Kind
		c.status[i], c.reason[i], c.sweep[i], c.agent[i] = string(r.Status), r.Reason, r.Sweep, r.AgentVersion
		c.started[i], c.duration[i], c.received[i] = r.StartedAt.UnixNano(), r.DurationMS, receivedAt.UnixNano()
		if len(r.Observations) > 0 {
			var err error
			if buf, err = result.AppendObservations(buf, r.Observations); err != nil {
				return c, fmt.Errorf("result %q: encode observations: %w", r.ID, err)
			}
		}
		ends[i] = len(buf)
	}
	all, start := string(buf), 0
	for i := range rs {
		if ends[i] > start {
			c.obs[i] = pgtype.Text{String: all[start:ends[i]], Valid: true}
		}
		start = ends[i]
	}
	return c, nil
}

// span returns the least and greatest of ts (not empty).
func span(ts []int64) (lo, hi int64) {
	lo, hi = ts[0], ts[0]
	for _, t := range ts[1:] {
		lo, hi = min(lo, t), max(hi, t)
	}
	return lo, hi
}

// WriteBatch stores one request's results and its branch's contact (and
// descriptor, when one came) in one transaction, committed before it
// returns: results are never stored without the contact that came with
// them. The transaction is a group writer's (group.go), shared with the
// other requests waiting when it began.
func (s *Store) WriteBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, d *result.Descriptor, c store.Contact) (inserted, duplicates int, err error) {
	bw, err := branchArgs(branch, d, c)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres store: branch %q: %w", branch, err)
	}
	r := &writeReq{branch: branch, rs: firstCopies(rs), receivedAt: receivedAt, bw: bw, done: make(chan writeRes, 1)}
	if inserted, err = s.submit(ctx, r); err != nil {
		return 0, 0, fmt.Errorf("postgres store: write %d results and the contact of %q: %w", len(rs), branch, err)
	}
	return inserted, len(rs) - inserted, nil
}

// queueContacts queues the upsert of the group's contacts (distinct
// branches) and the descriptor versions that came with them.
func queueContacts(b *pgx.Batch, group []*writeReq) {
	n := len(group)
	ids, versions, hashes := make([]string, n), make([]string, n), make([]string, n)
	descs, beats := make([]*string, n), make([]*string, n)
	ats, skews := make([]*int64, n), make([]int64, n)
	for i, r := range group {
		c := r.bw.row
		ids[i], versions[i], hashes[i], descs[i], beats[i], ats[i], skews[i] =
			c.id, c.agentVersion, c.configHash, c.descriptor, c.heartbeat, c.at, c.skew
	}
	b.Queue(upsertBranches, ids, descs, ats, versions, hashes, skews, beats)
	for _, r := range group {
		if r.bw.version != nil {
			b.Queue(appendVersion, r.bw.version...)
		}
	}
}
