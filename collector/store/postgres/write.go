package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// DedupWindow is how far apart in started_at two copies of one result id
// may be stored and still be recognised as one. Ingest corrects the event
// times of a skewed agent by the skew it measures on each request, so a
// retried batch carries the same ids with started_at moved by a few
// milliseconds (the transit time differs), by the skew threshold (one
// attempt corrected, the next not), or by the whole skew (the agent's
// clock was set right between the attempts). Every write therefore looks
// for the batch's ids among the branch's chunks within this window of the
// batch's starts. A copy moved further than a day (a clock a day off,
// corrected while the result waited in the spool) is stored again.
const DedupWindow = 24 * time.Hour

// lockBranches takes a transaction-level advisory lock per branch of the
// batch ($1), in one order so that two batches never wait for each other
// in a cycle: concurrent writers of one branch (an agent retrying through
// another collector) are serialised, so the check for stored copies that
// follows sees every copy committed before it. It is a statement of its
// own, before the check in the same transaction: a statement reads with
// the snapshot taken when it starts, so a check in the statement that
// waited for the lock would not see the rows the lock's previous holder
// committed. The keys live in their own space (the two-key form) apart
// from the leader's and the migration's.
const lockBranches = `SELECT count(pg_advisory_xact_lock(1651663458, h)) FROM (
	SELECT DISTINCT hashtext(b) AS h FROM unnest($1::text[]) AS b ORDER BY 1) AS k`

// lockBranchesAfterContacts is lockBranches with its branches in $10,
// after the nine parameters of the contacts upsert it is the query of
// (groupUpsertContacts).
var lockBranchesAfterContacts = strings.Replace(lockBranches, "$1::", "$10::", 1)

// insertChunks inserts the chunk rows of the arrays whose ids all lie
// beyond the greatest id stored for their branch (result_heads), which
// therefore cannot repeat a stored result, raises the branches' heads to
// the batch's greatest ids, and returns the (branch, first_at) of the
// chunks it stored; writeChecked writes the others, looking into the
// stored chunks. Agents make UUIDv7 ids, which grow with time, so in a
// wave every chunk is stored here: a primary-key lookup and a HOT update
// of result_heads per branch, and nothing read from the partitions. (A
// probe of the partitions instead, in the insert, cost the server more
// than the insert itself: planning it for each statement's partitions,
// or, with the plan cached, scanning every day's.)
//
// The head is read by a subquery per chunk, a primary-key probe: as a
// join, the plan cached for the statement (made for the 100 rows the
// planner guesses an unnest of a parameter holds) hashed the whole of
// result_heads, a row per branch, on every statement. A branch without a
// head counts as having the empty string, below every id but the empty
// one, whose chunk goes to writeChecked.
//
// A head may only overstate: a chunk sent on to writeChecked has raised
// it already, and a head above every stored id just sends more batches
// to the check. (Its third column is insertFirstChunks'.)
const insertChunks = `WITH u AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[],
	$6::text[], $7::text[], $8::bytea[]) AS u(branch, first_at, last_at, received_at, n, min_id, max_id, body)),
stored AS (INSERT INTO result_chunks (branch, first_at, last_at, received_at, n, min_id, max_id, body)
	SELECT u.branch, u.first_at, u.last_at, u.received_at, u.n, u.min_id, u.max_id, u.body
	FROM u WHERE COALESCE((SELECT h.max_id FROM result_heads h WHERE h.branch = u.branch), '') < u.min_id COLLATE "C"
	RETURNING branch, first_at),
heads AS (INSERT INTO result_heads (branch, max_id)
	SELECT branch, max(max_id COLLATE "C") FROM u GROUP BY branch
	` + onHeadConflict + `)
SELECT branch, first_at, false FROM stored`

// insertFirstChunks is insertChunks that also returns, for each chunk
// stored, whether its branch had no head: the store held no chunk of the
// branch before (heads are never deleted, and the branch's lock, taken
// before, orders the writers of a branch; see firstBatches). Joining the
// chunks stored back to the heads read costs the server some 10% more
// than insertChunks, so it is used only for a group with a branch this
// store has not seen a head of.
const insertFirstChunks = `WITH u AS (SELECT u.*, (SELECT h.max_id FROM result_heads h WHERE h.branch = u.branch) AS head
	FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[],
	$6::text[], $7::text[], $8::bytea[]) AS u(branch, first_at, last_at, received_at, n, min_id, max_id, body)),
stored AS (INSERT INTO result_chunks (branch, first_at, last_at, received_at, n, min_id, max_id, body)
	SELECT u.branch, u.first_at, u.last_at, u.received_at, u.n, u.min_id, u.max_id, u.body
	FROM u WHERE COALESCE(u.head, '') < u.min_id COLLATE "C"
	RETURNING branch, first_at),
heads AS (INSERT INTO result_heads (branch, max_id)
	SELECT branch, max(max_id COLLATE "C") FROM u GROUP BY branch
	` + onHeadConflict + `)
SELECT s.branch, s.first_at, u.head IS NULL FROM stored s JOIN u ON u.branch = s.branch AND u.first_at = s.first_at`

// onHeadConflict raises a branch's head, leaving it alone (no new row
// version) when it is already as high.
const onHeadConflict = `ON CONFLICT (branch) DO UPDATE SET max_id = EXCLUDED.max_id
	WHERE result_heads.max_id < EXCLUDED.max_id`

// chunkRow is one chunk row to write: results of one branch and UTC day.
type chunkRow struct {
	branch       string
	first, last  int64
	received     int64
	minID, maxID string
	rs           []result.Result // oldest first, ties by id
	body         []byte
	owner        int // the index of the request it came with
}

// chunksOf splits rs (distinct ids) into chunk rows, one per branch and UTC
// day, each received at receivedAt and owned by owner.
func chunksOf(rs []result.Result, receivedAt time.Time, owner int) []chunkRow {
	var out []chunkRow
	for _, branch := range byBranch(rs) {
		for _, part := range chunk.ByDay(branch) {
			out = append(out, newChunkRow(part, receivedAt, owner))
		}
	}
	return out
}

// newChunkRow encodes rs (one branch's results of one UTC day, not empty),
// sorted as reads return them (on a copy: rs may be the caller's).
func newChunkRow(rs []result.Result, receivedAt time.Time, owner int) chunkRow {
	minID, maxID, sorted := rs[0].ID, rs[0].ID, true
	for i := 1; i < len(rs); i++ { // one pass: the order (chunk.Compare's), and the ids' range
		id := rs[i].ID
		if sorted {
			c := rs[i].StartedAt.Compare(rs[i-1].StartedAt)
			sorted = c > 0 || c == 0 && id >= rs[i-1].ID
		}
		minID, maxID = min(minID, id), max(maxID, id)
	}
	if !sorted {
		rs = slices.Clone(rs)
		chunk.Sort(rs)
	}
	// chunk.Encode: the body in bytes of its own, about a third of what
	// appending it to a slice sized for the worst case kept alive.
	return chunkRow{branch: rs[0].Branch, first: rs[0].StartedAt.UnixNano(), last: rs[len(rs)-1].StartedAt.UnixNano(),
		received: receivedAt.UnixNano(), minID: minID, maxID: maxID, rs: rs, owner: owner, body: chunk.Encode(rs)}
}

// byBranch splits rs by branch, keeping their order (the common batch, of
// one branch, comes back as rs itself).
func byBranch(rs []result.Result) [][]result.Result {
	if len(rs) == 0 {
		return nil
	}
	one := true
	for i := range rs {
		if rs[i].Branch != rs[0].Branch {
			one = false
			break
		}
	}
	if one {
		return [][]result.Result{rs}
	}
	idx := map[string]int{}
	var out [][]result.Result
	for _, r := range rs {
		i, ok := idx[r.Branch]
		if !ok {
			i = len(out)
			idx[r.Branch] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// chunkKey identifies a chunk row within one statement: a statement holds
// at most one chunk per branch and day.
type chunkKey struct {
	branch string
	first  int64
}

// branchesOf returns the distinct branches of cs, in their order.
func branchesOf(cs []chunkRow) []string {
	branches := make([]string, 0, len(cs))
	for i, c := range cs {
		if i == 0 || c.branch != cs[i-1].branch && !slices.Contains(branches, c.branch) {
			branches = append(branches, c.branch)
		}
	}
	return branches
}

// queueChunks queues, on b, the insert of the chunks no stored chunk may
// hold copies of, which must follow the lock of their branches
// (lockBranches) in the transaction; stored receives the keys of the
// chunks inserted and, when headless is not nil (insertFirstChunks),
// headless the branches of those whose branch had no chunk stored before.
func queueChunks(b *pgx.Batch, cs []chunkRow, stored map[chunkKey]bool, headless map[string]bool) {
	n := len(cs)
	branch, minID, maxID := make([]string, n), make([]string, n), make([]string, n)
	first, last, received := make([]int64, n), make([]int64, n), make([]int64, n)
	count, body := make([]int32, n), make([][]byte, n)
	for i, c := range cs {
		branch[i], first[i], last[i], received[i], count[i], minID[i], maxID[i], body[i] =
			c.branch, c.first, c.last, c.received, int32(len(c.rs)), c.minID, c.maxID, c.body
	}
	q := insertChunks
	if headless != nil {
		q = insertFirstChunks
	}
	b.Queue(q, branch, first, last, received, count, minID, maxID, body).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k chunkKey
			var first bool
			if err := rows.Scan(&k.branch, &k.first, &first); err != nil {
				return err
			}
			stored[k] = true
			if first {
				headless[k.branch] = true
			}
		}
		return rows.Err()
	})
}

// dayStart is the start of the UTC day of t (unix ns).
func dayStart(t int64) int64 { return dayOf(time.Unix(0, t)).UnixNano() }

// WriteResults stores rs in one transaction (one round trip, or two with a
// second transaction when some results may be stored already), committed
// before it returns. Results whose id is already stored for their branch
// (within DedupWindow of their started_at), or repeated within rs, are
// counted as duplicates and left as they are (the first copy wins).
func (s *Store) WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error) {
	if len(rs) == 0 {
		return 0, 0, ctx.Err()
	}
	cs := chunksOf(chunk.FirstCopies(rs), receivedAt, 0)
	var b pgx.Batch
	stored := map[chunkKey]bool{}
	fast := s.fastChunks(cs)
	if len(fast) > 0 {
		b.Queue(lockBranches, branchesOf(fast))
		queueChunks(&b, fast, stored, nil)
		if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
			return 0, 0, fmt.Errorf("postgres store: write %d results: %w", len(rs), err)
		}
	}
	for _, c := range cs {
		s.firsts.forget(c.branch)
		if stored[chunkKey{c.branch, c.first}] {
			inserted += len(c.rs)
			continue
		}
		n, err := s.writeChecked(ctx, c)
		if err != nil {
			return 0, 0, fmt.Errorf("postgres store: write %d results: %w", len(rs), err)
		}
		inserted += n
	}
	return inserted, len(rs) - inserted, nil
}

// WriteBatch stores one request's results and its branch's contact (and
// descriptor, when one came) in one transaction, committed before it
// returns: results are never stored without the contact that came with
// them. The transaction is a group writer's (group.go), shared with the
// other requests waiting when it began.
func (s *Store) WriteBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, d *result.Descriptor, c store.Contact) (inserted, duplicates int, err error) {
	row, err := contactOf(branch, d, c)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres store: branch %q: %w", branch, err)
	}
	return s.writeBatch(ctx, branch, rs, receivedAt, row)
}

// writeBatch hands a request to a group writer (group.go) and waits.
func (s *Store) writeBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, row contactRow) (inserted, duplicates int, err error) {
	r := &writeReq{branch: branch, rs: chunk.FirstCopies(rs), receivedAt: receivedAt, contact: row, done: make(chan writeRes, 1)}
	if inserted, err = s.submit(ctx, r); err != nil {
		return 0, 0, fmt.Errorf("postgres store: write %d results and the contact of %q: %w", len(rs), branch, err)
	}
	return inserted, len(rs) - inserted, nil
}

// WriteBatchJSON is WriteBatch with the descriptor as the agent sent it
// (the ingest handler's DescriptorJSONWriter): desc is JSON the caller
// has decoded into a valid descriptor ("" when none came), sum its
// SHA-256. The descriptor is then neither decoded nor encoded again here
// (WriteBatch encodes it to hash it): whether it changed is decided by
// the statement, against the checksum stored with the branch's row,
// whatever collector wrote it, and an unchanged one is not written.
//
// The checksum is of the bytes the agent sent, where WriteBatch's is of
// the descriptor as encoding/json encodes it. An agent encodes its
// descriptor with encoding/json, so the two are the same bytes and a row
// written either way reads as unchanged to the other; a descriptor sent
// in another form (spaces, another order) is taken as changed once, its
// row rewritten and a version of equal content added, after which the
// agent's form is the stored one.
func (s *Store) WriteBatchJSON(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, desc string, sum [32]byte, c store.Contact) (inserted, duplicates int, err error) {
	var d *string
	var h []byte
	if desc != "" {
		d, h = &desc, sum[:]
	}
	row, err := contactWith(branch, d, h, c)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres store: branch %q: %w", branch, err)
	}
	return s.writeBatch(ctx, branch, rs, receivedAt, row)
}

// contactWith encodes a branch's contact with desc, its descriptor as
// JSON, and sum, desc's SHA-256 (both nil: none came).
func contactWith(id string, desc *string, sum []byte, c store.Contact) (contactRow, error) {
	var at *int64
	if !c.At.IsZero() {
		n := c.At.UnixNano()
		at = &n
	}
	hb, err := store.EncodeHealth(c.Health)
	if err != nil {
		return contactRow{}, err
	}
	return contactRow{id: id, agentVersion: c.AgentVersion, configHash: c.ConfigHash, descriptor: desc, sum: sum, heartbeat: hb,
		at: at, skew: int64(c.ClockSkew)}, nil
}

// queueContacts queues the lock of the branches locks (lockBranches;
// none: nil), then the upsert of the group's contacts (distinct branches)
// and of the descriptor versions that came with them, marked as this
// store's (see BranchesChangedSince): one statement when no descriptor
// came (groupUpsertContacts), as in a wave's later rounds.
func (s *Store) queueContacts(b *pgx.Batch, group []*writeReq, locks []string) {
	rows := make([]contactRow, len(group))
	for i, r := range group {
		rows[i] = r.contact
	}
	args := contactArgs(rows, &s.id)
	if q := contactsStatement(rows); q == putContacts {
		if len(locks) > 0 {
			b.Queue(lockBranches, locks)
		}
		b.Queue(q, args...)
		return
	}
	if locks == nil {
		locks = []string{}
	}
	b.Queue(groupUpsertContacts, append(args, locks)...)
}
