package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// recentChunks is how many of a branch's latest chunks a write compares its
// ids with, whatever their times. An agent ships its spool in order, one
// batch at a time, so the copy of a result whose acknowledgement was lost
// is in one of the last chunks its branch stored: in the very last after
// one lost answer, further back only after several in a row. The times of
// such a copy may differ from the stored one's (ingest corrects a skewed
// agent's times by the skew it measures on each request), so only these
// chunks, not the ones overlapping the batch's time span, can hold it.
const recentChunks = 4

// day is the longest span of a chunk: the writer splits batches by UTC day.
const day = int64(24 * time.Hour)

// part is one chunk to store: results of one branch and one UTC day, first
// copies only, oldest first (ties by id), with their encoding.
type part struct {
	branch      string
	rs          []result.Result
	first, last int64
	body        []byte
}

// encodeParts splits rs into parts by branch and UTC day, dropping later
// copies of an id repeated within rs (the first copy wins, as the id key
// made it before chunks). It runs on the caller's goroutine, so the writer
// only probes and inserts; rs is left as it is.
func encodeParts(rs []result.Result) []part {
	if len(rs) == 0 {
		return nil
	}
	first := chunk.FirstCopies(rs)
	// Ingest sends one branch per request, usually in time order already;
	// WriteResults may mix branches. Sorting needs a copy: rs is left as
	// it is.
	byBranchAndTime := func(a, b result.Result) int {
		if c := strings.Compare(a.Branch, b.Branch); c != 0 {
			return c
		}
		return chunk.Compare(a, b)
	}
	if !slices.IsSortedFunc(first, byBranchAndTime) {
		first = slices.Clone(first)
		slices.SortFunc(first, byBranchAndTime)
	}
	var parts []part
	for len(first) > 0 {
		n := 1
		for n < len(first) && first[n].Branch == first[0].Branch {
			n++
		}
		for _, day := range chunk.ByDay(first[:n]) {
			parts = append(parts, newPart(first[0].Branch, day))
		}
		first = first[n:]
	}
	return parts
}

// newPart encodes rs, sorted, as one part of branch.
func newPart(branch string, rs []result.Result) part {
	return part{branch: branch, rs: rs, first: rs[0].StartedAt.UnixNano(), last: rs[len(rs)-1].StartedAt.UnixNano(),
		body: chunk.Append(make([]byte, 0, 160*len(rs)), rs)}
}

const insertChunkSQL = `INSERT INTO result_chunks (branch, first_at, last_at, received_at, n, body) VALUES (?, ?, ?, ?, ?, ?)`

// overlapChunksSQL reads the chunks of a branch that overlap a span in
// time (a chunk ends at most a day after it starts): where a copy of a
// result whose time did not change is stored.
const overlapChunksSQL = `SELECT rowid, body FROM result_chunks WHERE branch = ?1 AND last_at >= ?2 AND last_at < ?3 AND first_at <= ?4`

// chunkByRowidSQL reads a chunk the writer remembers (recent.go); the
// branch guards against a rowid SQLite gave again after a deletion.
const chunkByRowidSQL = `SELECT body FROM result_chunks WHERE rowid = ? AND branch = ?`

// legacyIDsSQL finds which ids of a JSON array the results table of
// earlier versions holds.
const legacyIDsSQL = `SELECT id FROM results WHERE id IN (SELECT value FROM json_each(?))`

// storeParts stores parts, received at recv, and returns how many results
// it stored.
func (w *writer) storeParts(ctx context.Context, tx *sql.Tx, parts []part, recv int64) (int, error) {
	inserted := 0
	for i := range parts {
		n, err := w.storePart(ctx, tx, &parts[i], recv)
		if err != nil {
			return 0, fmt.Errorf("insert results of %q: %w", parts[i].branch, err)
		}
		inserted += n
	}
	return inserted, nil
}

// storePart stores p's results that are not stored yet as one chunk and
// returns how many it stored. p itself is left as it is: the writer may
// apply a request twice (a failed group is retried request by request).
func (w *writer) storePart(ctx context.Context, tx *sql.Tx, p *part, recv int64) (int, error) {
	b, err := w.recentOf(ctx, tx, p.branch)
	if err != nil {
		return 0, err
	}
	hashes := w.recent.hashes(p.rs)
	known, err := w.storedIDs(ctx, tx, p, b, hashes)
	if err != nil {
		return 0, err
	}
	np := *p
	if len(known) > 0 {
		rs := make([]result.Result, 0, len(p.rs))
		hashes = hashes[:0:0]
		for _, r := range p.rs {
			if _, ok := known[r.ID]; !ok {
				rs = append(rs, r)
				hashes = append(hashes, w.recent.hash(r.ID))
			}
		}
		if len(rs) == 0 {
			return 0, nil
		}
		np = newPart(p.branch, rs)
	}
	res, err := w.bound.in(ctx, tx, w.insertChunk).ExecContext(ctx, np.branch, np.first, np.last, recv, len(np.rs), np.body)
	if err != nil {
		return 0, err
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	b.remember(rowid, np.last, hashes)
	return len(np.rs), nil
}

// storedIDs returns the ids of p already stored for its branch (nil when
// none is): in the chunks overlapping p's span, looked for only when the
// branch has a chunk ending at or after p's start; in the latest chunks
// the writer remembers (b), read only when one of p's ids hashes like one
// of theirs; and in the results table of earlier versions while it has
// rows.
func (w *writer) storedIDs(ctx context.Context, tx *sql.Tx, p *part, b *branchRecent, hashes []uint32) (map[string]struct{}, error) {
	f := idFinder{rs: p.rs}
	var checked []int64
	if p.first <= b.maxLast {
		rows, err := w.bound.in(ctx, tx, w.overlap).QueryContext(ctx, p.branch, p.first, saturatedAdd(p.last, day), p.last)
		if err != nil {
			return nil, fmt.Errorf("probe overlapping chunks: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				rowid int64
				body  []byte
			)
			if err := rows.Scan(&rowid, &body); err != nil {
				return nil, fmt.Errorf("probe overlapping chunks: %w", err)
			}
			checked = append(checked, rowid)
			if err := f.scan(body); err != nil {
				return nil, fmt.Errorf("chunk %d of %q: %w", rowid, p.branch, err)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("probe overlapping chunks: %w", err)
		}
	}
	for i := range b.chunks {
		c := &b.chunks[i]
		if slices.Contains(checked, c.rowid) || !c.meets(hashes) {
			continue
		}
		var body []byte
		err := w.bound.in(ctx, tx, w.byRowid).QueryRowContext(ctx, c.rowid, p.branch).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted by retention since
		}
		if err != nil {
			return nil, fmt.Errorf("read chunk %d: %w", c.rowid, err)
		}
		if err := f.scan(body); err != nil {
			return nil, fmt.Errorf("chunk %d of %q: %w", c.rowid, p.branch, err)
		}
	}
	if w.legacy.Load() {
		var err error
		if f.known, err = w.legacyIDs(ctx, tx, p.rs, f.known); err != nil {
			return nil, err
		}
	}
	return f.known, nil
}

// idFinder collects which of rs's ids the chunks it scans hold.
type idFinder struct {
	rs      []result.Result
	pending map[string]struct{}
	known   map[string]struct{}
}

func (f *idFinder) scan(body []byte) error {
	if f.pending == nil {
		f.pending = idSet(f.rs)
	}
	return chunk.EachID(body, func(id []byte) {
		if _, ok := f.pending[string(id)]; ok {
			if f.known == nil {
				f.known = map[string]struct{}{}
			}
			f.known[string(id)] = struct{}{}
		}
	})
}

// legacyIDs adds to known the ids of rs the results table holds.
func (w *writer) legacyIDs(ctx context.Context, tx *sql.Tx, rs []result.Result, known map[string]struct{}) (map[string]struct{}, error) {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, legacyIDsSQL, string(arg))
	if err != nil {
		return nil, fmt.Errorf("probe results of earlier versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if known == nil {
			known = map[string]struct{}{}
		}
		known[id] = struct{}{}
	}
	return known, rows.Err()
}

func idSet(rs []result.Result) map[string]struct{} {
	m := make(map[string]struct{}, len(rs))
	for _, r := range rs {
		m[r.ID] = struct{}{}
	}
	return m
}

// saturatedAdd is a + b, held at the largest int64 rather than wrapping.
func saturatedAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
