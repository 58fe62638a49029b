package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"math"
	"slices"

	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// recent is the writer's memory of each branch's latest chunks: enough to
// decide, for the common batch, that none of its results is stored
// without a statement. A new sweep's batch starts after every chunk of its
// branch ends (maxLast), so no chunk overlaps it in time; and none of its
// ids hashes like one of the latest chunks' ids, so no retried copy is
// there either. Reading those chunks back on every write cost four times
// the insert (BenchmarkWriterSweep: 66 of 82 ms per 1,000 requests).
//
// The memory may claim more than the database holds, never less: a hash
// that matches is checked against the chunk it came from, a maxLast too
// high only costs a probe of the overlapping chunks. So retention deleting
// or rewriting chunks needs no update here. A transaction that fails
// forgets everything (forgetRecent): its chunks were remembered but not
// stored, and the memory of the latest committed ones may have been pushed
// out by them. A branch the writer does not remember (after opening, or
// after a failure) is read from the database on its next write: its
// recentChunks latest chunks by last_at, their ids hashed.
//
// Only the writer's goroutine uses it. Like the descriptor digests, it
// holds because a SQLite store belongs to one collector.
type recent struct {
	seed     maphash.Seed
	branches map[string]*branchRecent
}

// branchRecent is what the writer remembers of one branch.
type branchRecent struct {
	// chunks are the branch's latest chunks, oldest first, at most
	// recentChunks.
	chunks []recentChunk
	// maxLast is at least the last_at of every chunk of the branch
	// (math.MinInt64 when it has none).
	maxLast int64
}

// recentChunk is one chunk: its rowid and its ids' hashes.
type recentChunk struct {
	rowid  int64
	hashes []uint32
}

func newRecent() recent {
	return recent{seed: maphash.MakeSeed(), branches: map[string]*branchRecent{}}
}

// forgetRecent drops the writer's memory of every branch.
func (w *writer) forgetRecent() { clear(w.recent.branches) }

// hash is the 32 bits of an id the memory keeps: a collision costs one
// read of a chunk, never a wrong answer.
func (r *recent) hash(id string) uint32 { return uint32(maphash.String(r.seed, id)) }

func (r *recent) hashes(rs []result.Result) []uint32 {
	hs := make([]uint32, len(rs))
	for i := range rs {
		hs[i] = r.hash(rs[i].ID)
	}
	return hs
}

// remember adds a chunk the transaction stored to its branch's memory.
func (b *branchRecent) remember(rowid, last int64, hashes []uint32) {
	if len(b.chunks) == recentChunks {
		b.chunks = slices.Delete(b.chunks, 0, 1)
	}
	b.chunks = append(b.chunks, recentChunk{rowid: rowid, hashes: hashes})
	b.maxLast = max(b.maxLast, last)
}

// latestChunksSQL reads what the writer remembers of a branch.
var latestChunksSQL = fmt.Sprintf(`SELECT rowid, last_at, body FROM result_chunks WHERE branch = ? ORDER BY last_at DESC LIMIT %d`, recentChunks)

// recentOf returns the writer's memory of branch, reading it from the
// database when the writer has none.
func (w *writer) recentOf(ctx context.Context, tx *sql.Tx, branch string) (*branchRecent, error) {
	if b, ok := w.recent.branches[branch]; ok {
		return b, nil
	}
	rows, err := w.bound.in(ctx, tx, w.latest).QueryContext(ctx, branch)
	if err != nil {
		return nil, fmt.Errorf("read latest chunks: %w", err)
	}
	defer rows.Close()
	b := &branchRecent{maxLast: math.MinInt64}
	for rows.Next() {
		var (
			c    recentChunk
			last int64
			body []byte
		)
		if err := rows.Scan(&c.rowid, &last, &body); err != nil {
			return nil, fmt.Errorf("read latest chunks: %w", err)
		}
		if err := chunk.EachID(body, func(id []byte) { c.hashes = append(c.hashes, w.recent.hash(string(id))) }); err != nil {
			return nil, fmt.Errorf("chunk %d of %q: %w", c.rowid, branch, err)
		}
		b.chunks = append(b.chunks, c)
		b.maxLast = max(b.maxLast, last)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read latest chunks: %w", err)
	}
	slices.Reverse(b.chunks)
	w.recent.branches[branch] = b
	return b, nil
}

// meets reports whether any of hs is among c's hashes.
func (c *recentChunk) meets(hs []uint32) bool {
	for _, h := range hs {
		if slices.Contains(c.hashes, h) {
			return true
		}
	}
	return false
}
