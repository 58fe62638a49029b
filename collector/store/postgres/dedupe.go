package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// The checked path: a chunk that insertChunks would not store blind, for
// its ids do not all lie beyond the greatest id stored for its branch (a
// retry, or ids that do not grow with time), is written by writeChecked in
// a transaction of its own: the branch's lock, a read of the branch's
// chunks whose spans meet its own, decoded here, and the insert of the
// results they do not hold.

// candidateChunks reads the bodies of a branch's chunks that may hold
// copies of results of a chunk: $1 the branch, $2 and $3 the partition
// bounds (the start of the day of $4, and $5), $4 and $5 the chunk's first and
// last start widened by DedupWindow, $6 and $7 its id span.
const candidateChunks = `SELECT body FROM result_chunks WHERE branch = $1
	AND first_at >= $2 AND first_at <= $3 AND last_at >= $4 AND first_at <= $5
	AND min_id <= $7 AND max_id >= $6`

// legacyCopies reads the copies of some ids ($2) of a branch ($1) that the
// results table written before the chunks holds between $3 and $4: the
// primary key (id, started_at) searched for each.
const legacyCopies = `SELECT id, started_at FROM results
	WHERE id = ANY($2::text[]) AND started_at BETWEEN $3 AND $4 AND branch = $1`

// insertChunk inserts one chunk row, unchecked, and raises its branch's
// head to its greatest id.
const insertChunk = `WITH stored AS (INSERT INTO result_chunks (branch, first_at, last_at, received_at, n, min_id, max_id, body)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8))
INSERT INTO result_heads (branch, max_id) VALUES ($1, $7) ` + onHeadConflict

// fastChunks returns the chunks of cs that insertChunks may write: all of
// them, unless the results table written before the chunks still holds
// results near theirs (the first day after migration 0013), which only
// writeChecked looks at.
func (s *Store) fastChunks(cs []chunkRow) []chunkRow {
	if s.legacyEnd == 0 {
		return cs
	}
	out := cs[:0:0]
	for _, c := range cs {
		if c.first-int64(DedupWindow) >= s.legacyEnd {
			out = append(out, c)
		}
	}
	return out
}

// writeChecked stores c's results that no stored chunk of its branch
// holds a copy of (the same id within DedupWindow of its start), nor the
// results table written before the chunks, and returns how many it
// stored.
func (s *Store) writeChecked(ctx context.Context, c chunkRow) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockBranches, []string{c.branch}); err != nil {
			return fmt.Errorf("lock branch %q: %w", c.branch, err)
		}
		known, err := s.storedCopies(ctx, tx, c)
		if err != nil {
			return err
		}
		fresh := c.rs[:0:0]
		for _, r := range c.rs {
			if !known.holds(r) {
				fresh = append(fresh, r)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		if len(fresh) < len(c.rs) {
			c = newChunkRow(fresh, time.Unix(0, c.received), c.owner)
		}
		if _, err := tx.Exec(ctx, insertChunk, c.branch, c.first, c.last, c.received, int32(len(c.rs)),
			c.minID, c.maxID, c.body); err != nil {
			return err
		}
		n = len(c.rs)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("write %d results of %q: %w", len(c.rs), c.branch, err)
	}
	return n, nil
}

// copies holds the starts (unix ns) of stored results by id.
type copies map[string][]int64

// holds reports whether a copy of r is stored within DedupWindow of r's
// start.
func (k copies) holds(r result.Result) bool {
	at := r.StartedAt.UnixNano()
	for _, t := range k[r.ID] {
		if t >= at-int64(DedupWindow) && t <= at+int64(DedupWindow) {
			return true
		}
	}
	return false
}

// storedCopies reads, in tx, the stored results of c's branch that may be
// copies of c's: those of the chunks whose spans meet c's, and those of the
// results table written before the chunks with c's ids.
func (s *Store) storedCopies(ctx context.Context, tx pgx.Tx, c chunkRow) (copies, error) {
	w := int64(DedupWindow)
	lo, hi := c.first-w, c.last+w
	rows, err := tx.Query(ctx, candidateChunks, c.branch, dayStart(lo), hi, lo, hi, c.minID, c.maxID)
	if err != nil {
		return nil, fmt.Errorf("read chunks of %q: %w", c.branch, err)
	}
	known := copies{}
	var rs []result.Result
	for rows.Next() {
		if rs, err = chunk.AppendDecoded(rs[:0], rows.RawValues()[0], c.branch, time.Time{}, time.Time{}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read chunks of %q: %w", c.branch, err)
		}
		for _, r := range rs {
			known[r.ID] = append(known[r.ID], r.StartedAt.UnixNano())
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read chunks of %q: %w", c.branch, err)
	}
	if s.legacyEnd == 0 || lo >= s.legacyEnd {
		return known, nil
	}
	ids := make([]string, len(c.rs))
	for i, r := range c.rs {
		ids[i] = r.ID
	}
	rows, err = tx.Query(ctx, legacyCopies, c.branch, ids, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read results of %q: %w", c.branch, err)
	}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read results of %q: %w", c.branch, err)
		}
		known[id] = append(known[id], at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read results of %q: %w", c.branch, err)
	}
	return known, nil
}
