package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// The cases of this file pin what a store that keeps a branch's batch of
// results together (one row per batch, "chunk") could get wrong: which
// copy of a result is kept, the order of results of several batches, and
// reads and deletions whose bounds fall inside a batch.

// at returns sample 0 of branch as id, started at base + sec seconds.
func at(branch, id string, sec int) result.Result {
	r := sample(branch, 0)
	r.ID, r.StartedAt = id, base.Add(time.Duration(sec)*time.Second)
	return r
}

// readAllWays reads branch's results in [from, to) with Results, ResultsOf
// (when the store has it) and ReceivedResults (when it has it), fails the
// test unless the three agree, and returns the ids in order.
func readAllWays(t *testing.T, s store.Store, branch string, from, to time.Time) []string {
	t.Helper()
	ctx := context.Background()
	rs, err := s.Results(ctx, branch, from, to)
	if err != nil {
		t.Fatalf("Results: %v", err)
	}
	got := ids(rs)
	if bulk, ok := s.(BulkResults); ok {
		m, err := bulk.ResultsOf(ctx, []string{branch, "someone-else"}, from, to)
		if err != nil || !slices.Equal(ids(m[branch]), got) {
			t.Fatalf("ResultsOf = %v, %v; Results read %v", ids(m[branch]), err, got)
		}
	}
	if sl, ok := s.(store.SLA); ok {
		rr, err := sl.ReceivedResults(ctx, branch, from, to)
		if err != nil {
			t.Fatalf("ReceivedResults: %v", err)
		}
		var rids []string
		for _, r := range rr {
			rids = append(rids, r.ID)
		}
		if !slices.Equal(rids, got) && len(rids)+len(got) > 0 {
			t.Fatalf("ReceivedResults read %v; Results %v", rids, got)
		}
	}
	return got
}

// testRetryOfChangedComposition: an agent whose answer was lost sends the
// stored results again with new ones (its spool grew meanwhile), some of
// them twice: only the new ones are stored, once, and the stored copies
// stay as they were.
func testRetryOfChangedComposition(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 10), 10, 0)
	retry := samples("br-001", 5, 10)
	for i := range 5 {
		retry[i].Reason = "a retried copy must not replace the stored one"
	}
	retry = append(retry, sample("br-001", 12), sample("br-001", 3))
	write(t, s, retry, 5, 7)
	got := all(t, s, "br-001")
	want := ids(samples("br-001", 0, 15))
	if !slices.Equal(ids(got), want) {
		t.Fatalf("stored %v, want %v", ids(got), want)
	}
	for _, r := range got {
		if r.Reason != sample("br-001", 0).Reason {
			t.Fatalf("result %s has reason %q: a later copy replaced the first", r.ID, r.Reason)
		}
	}
}

// testDuplicatesWithinAndAcrossBatches: a batch that repeats its own
// results and some stored ones counts each copy as one duplicate.
func testDuplicatesWithinAndAcrossBatches(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 4), 4, 0)
	a, b := sample("br-001", 10), sample("br-001", 11)
	write(t, s, []result.Result{a, sample("br-001", 1), a, b, sample("br-001", 1), b, a}, 2, 5)
	if got := all(t, s, "br-001"); len(got) != 6 {
		t.Fatalf("stored %v, want 6 results", ids(got))
	}
}

// testInterleavedBatchesReadInOrder: the results of two batches whose
// times interleave (a late batch from a spool) read back as one sequence,
// oldest first, ties by id across the batches too, whatever order each
// batch came in.
func testInterleavedBatchesReadInOrder(t *testing.T, open Opener) {
	s := opened(t, open)
	var even, odd []result.Result
	for sec := 18; sec >= 0; sec -= 2 {
		even = append(even, at("br-001", fmt.Sprintf("r%02d", sec), sec))
		odd = append(odd, at("br-001", fmt.Sprintf("r%02d", sec+1), sec+1))
	}
	even = append(even, at("br-001", "tie-b", 10))
	odd = append(odd, at("br-001", "tie-a", 10), at("br-001", "tie-c", 10))
	write(t, s, even, 11, 0)
	write(t, s, odd, 12, 0)
	// Ids compare bytewise: "r10" < "tie-a".
	var want []string
	for sec := range 20 {
		want = append(want, fmt.Sprintf("r%02d", sec))
		if sec == 10 {
			want = append(want, "tie-a", "tie-b", "tie-c")
		}
	}
	if got := readAllWays(t, s, "br-001", base, base.Add(time.Minute)); !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
}

// testReadRangeCutsABatch: a read whose bounds fall inside a batch returns
// the batch's results in [from, to) alone, from included, to excluded.
func testReadRangeCutsABatch(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 10), 10, 0)
	write(t, s, samples("br-001", 10, 10), 10, 0)
	for _, c := range []struct {
		name     string
		from, to int
		want     []string
	}{
		{"inside one batch", 3, 7, ids(samples("br-001", 3, 4))},
		{"across the two batches", 8, 12, ids(samples("br-001", 8, 4))},
		{"one result, the batch's last", 9, 10, ids(samples("br-001", 9, 1))},
		{"empty, before the first", -5, 0, nil},
	} {
		got := readAllWays(t, s, "br-001", base.Add(time.Duration(c.from)*time.Second), base.Add(time.Duration(c.to)*time.Second))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: read %v, want %v", c.name, got, c.want)
		}
	}
}

// testDeleteResultsCutsABatch: retention's cutoff falls inside a batch:
// the older results go and are counted, the rest of the batch stays,
// readable with the time it was received.
func testDeleteResultsCutsABatch(t *testing.T, open Opener) {
	s := opened(t, open)
	ctx := context.Background()
	write(t, s, samples("br-001", 0, 10), 10, 0)
	write(t, s, samples("br-001", 10, 10), 10, 0)
	write(t, s, samples("br-002", 0, 10), 10, 0)
	for _, c := range []struct {
		cut  int
		n    int64
		left int
	}{{4, 4, 4}, {4, 0, 4}, {15, 11, 15}, {60, 5, 20}} {
		n, err := s.DeleteResults(ctx, "br-001", base.Add(time.Duration(c.cut)*time.Second))
		if err != nil || n != c.n {
			t.Fatalf("DeleteResults before second %d = %d, %v; want %d", c.cut, n, err, c.n)
		}
		want := ids(samples("br-001", c.left, 20-c.left))
		if got := readAllWays(t, s, "br-001", base.Add(-time.Hour), base.Add(time.Hour)); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("after deleting before second %d: %v, want %v", c.cut, got, want)
		}
		if c.cut == 15 {
			sl, ok := s.(store.SLA)
			if !ok {
				continue
			}
			rr, err := sl.ReceivedResults(ctx, "br-001", base, base.Add(time.Hour))
			if err != nil || len(rr) != 5 || !rr[0].ReceivedAt.Equal(base.Add(time.Hour)) {
				t.Fatalf("ReceivedResults after the cut = %+v, %v; want 5 received at %v", rr, err, base.Add(time.Hour))
			}
		}
	}
	if got := all(t, s, "br-002"); len(got) != 10 {
		t.Fatalf("another branch kept %d results, want 10", len(got))
	}
}

// testReceivedAtIsTheFirstCopys: a retried batch with new results keeps
// the time the stored results were received; the new ones carry the
// retry's.
func testReceivedAtIsTheFirstCopys(t *testing.T, open Opener) {
	s := opened(t, open)
	sl, ok := s.(store.SLA)
	if !ok {
		t.Fatal("the store does not implement store.SLA")
	}
	ctx := context.Background()
	first, retry := base.Add(time.Hour), base.Add(2*time.Hour)
	if _, _, err := s.WriteResults(ctx, samples("br-001", 0, 3), first); err != nil {
		t.Fatal(err)
	}
	if ins, dup, err := s.WriteResults(ctx, samples("br-001", 0, 5), retry); err != nil || ins != 2 || dup != 3 {
		t.Fatalf("retry = %d inserted, %d duplicates, %v; want 2 and 3", ins, dup, err)
	}
	rr, err := sl.ReceivedResults(ctx, "br-001", base, base.Add(time.Minute))
	if err != nil || len(rr) != 5 {
		t.Fatalf("ReceivedResults = %d, %v; want 5", len(rr), err)
	}
	for i, r := range rr {
		want := first
		if i >= 3 {
			want = retry
		}
		if !r.ReceivedAt.Equal(want) {
			t.Errorf("result %s received at %v, want %v", r.ID, r.ReceivedAt, want)
		}
	}
}

// testBatchAcrossMidnight: a batch whose results fall on two UTC days reads
// back by each day, and retention at midnight removes the first day's.
func testBatchAcrossMidnight(t *testing.T, open Opener) {
	s := opened(t, open)
	midnight := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	var rs []result.Result
	for i := -3; i < 3; i++ {
		r := sample("br-001", i+3)
		r.StartedAt = midnight.Add(time.Duration(i) * time.Minute)
		rs = append(rs, r)
	}
	write(t, s, rs, 6, 0)
	before := readAllWays(t, s, "br-001", midnight.Add(-time.Hour), midnight)
	after := readAllWays(t, s, "br-001", midnight, midnight.Add(time.Hour))
	if !slices.Equal(before, ids(rs[:3])) || !slices.Equal(after, ids(rs[3:])) {
		t.Fatalf("read %v before midnight and %v after, want %v and %v", before, after, ids(rs[:3]), ids(rs[3:]))
	}
	write(t, s, rs, 0, 6)
	n, err := s.DeleteResults(context.Background(), "br-001", midnight)
	if err != nil || n != 3 {
		t.Fatalf("DeleteResults at midnight = %d, %v; want 3", n, err)
	}
	if got := readAllWays(t, s, "br-001", midnight.Add(-time.Hour), midnight.Add(time.Hour)); !slices.Equal(got, ids(rs[3:])) {
		t.Fatalf("after retention: %v, want %v", got, ids(rs[3:]))
	}
}

// testOldCopyAfterManyBatches: a copy with its time unchanged is
// recognised however many batches its branch stored since (a spool
// restored from a backup sends results stored days before).
func testOldCopyAfterManyBatches(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 5), 5, 0)
	for b := 1; b <= 8; b++ {
		write(t, s, samples("br-001", 10*b, 5), 5, 0)
	}
	write(t, s, samples("br-001", 0, 6), 1, 5)
	write(t, s, samples("br-001", 30, 6), 1, 5)
	if got := all(t, s, "br-001"); len(got) != 47 {
		t.Fatalf("stored %d results, want 47", len(got))
	}
}
