package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// moved returns rs with every start moved by d, as ingest moves the times
// of a skewed agent's retried batch.
func moved(rs []result.Result, d time.Duration) []result.Result {
	out := append([]result.Result(nil), rs...)
	for i := range out {
		out[i].StartedAt = out[i].StartedAt.Add(d)
	}
	return out
}

// branchBatch returns n results of branch br-0000 from sequence first,
// with new random ids on every call.
func branchBatch(first, n int) []result.Result {
	rs := benchResults(first, n, randomID)
	for i := range rs {
		rs[i].Branch = "br-0000"
	}
	return rs
}

// TestMovedRetryIsFoundWhateverTheWriterRemembers: the writer decides
// from memory that a batch holds no copy of its branch's latest chunks;
// a retry whose times moved must be recognised also when that memory is
// empty (the store reopened) or was dropped (a failed group).
func TestMovedRetryIsFoundWhateverTheWriterRemembers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "collector.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := branchBatch(0, 20)
	if ins, _, err := s.WriteResults(ctx, first, benchStart); err != nil || ins != 20 {
		t.Fatalf("first write = %d, %v", ins, err)
	}
	if ins, dup, err := s.WriteResults(ctx, moved(first, 2*time.Minute), benchStart); err != nil || ins != 0 || dup != 20 {
		t.Fatalf("retry remembered = %d inserted, %d duplicates, %v; want 0 and 20", ins, dup, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ins, dup, err := s.WriteResults(ctx, append(moved(first, -5*time.Hour), branchBatch(20, 1)...), benchStart); err != nil || ins != 1 || dup != 20 {
		t.Fatalf("retry after reopening = %d inserted, %d duplicates, %v; want 1 and 20", ins, dup, err)
	}

	// A failed transaction forgets what it remembered: the copies of the
	// chunk its own chunk pushed out of memory are still recognised.
	w := s.w
	var oldest []result.Result
	for i := 0; i < recentChunks; i++ {
		rs := branchBatch(100+10*i, 5)
		if ins, _, err := s.WriteResults(ctx, rs, benchStart); err != nil || ins != 5 {
			t.Fatalf("batch %d = %d, %v", i, ins, err)
		}
		if i == 0 {
			oldest = rs
		}
	}
	parts := encodeParts(branchBatch(500, 5))
	_, err = s.submit(ctx, &request{rows: 5, fn: func(ctx context.Context, tx *sql.Tx) (int, error) {
		if _, err := w.storeParts(ctx, tx, parts, benchStart.UnixNano()); err != nil {
			return 0, err
		}
		return 0, errors.New("a failure after a chunk was stored and remembered")
	}})
	if err == nil {
		t.Fatal("the failing request succeeded")
	}
	if ins, dup, err := s.WriteResults(ctx, moved(oldest, time.Hour), benchStart); err != nil || ins != 0 || dup != 5 {
		t.Fatalf("retry after a failed group = %d inserted, %d duplicates, %v; want 0 and 5", ins, dup, err)
	}
}
