package readiness

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// TestALaterBatchIsHeldAsMergeWouldHoldIt holds appendLater, the path of
// most batches, to merge: random batches after what is held, in any order,
// with repeats and results outside the held window, give the same results
// in the same order, and a reader's view of what was held is unchanged.
func TestALaterBatchIsHeldAsMergeWouldHoldIt(t *testing.T) {
	base := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	lo, hi := base, base.Add(time.Hour)
	for seed := range uint64(200) {
		rnd := rand.New(rand.NewPCG(seed, 11))
		var held []result.Result
		for i := range rnd.IntN(30) {
			held = append(held, result.Result{ID: fmt.Sprintf("h%02d", i), StartedAt: base.Add(time.Duration(i) * time.Minute)})
		}
		var rs []result.Result
		for range rnd.IntN(25) {
			at := base.Add(time.Duration(30+rnd.IntN(40)) * time.Minute) // some past hi
			r := result.Result{ID: fmt.Sprintf("r%d", rnd.IntN(12)), StartedAt: at, Status: result.StatusOK, Reason: "ok", Kind: "tcp"}
			if rnd.IntN(4) == 0 && len(rs) > 0 {
				r = rs[rnd.IntN(len(rs))] // a repeat within the batch
			}
			rs = append(rs, r)
		}
		if rnd.IntN(5) == 0 && len(held) > 0 {
			rs = append(rs, held[len(held)-1]) // one not later: merge's case
		}
		t.Run(fmt.Sprintf("random batch %d is held as merge holds it", seed), func(t *testing.T) {
			want := merge(slices.Clone(held), compact(slices.Clone(rs), lo, hi))
			if !later(held, rs) {
				if len(held) == 0 {
					t.Fatal("nothing held, yet the batch is not later")
				}
				return
			}
			h := slices.Grow(slices.Clone(held), rnd.IntN(40)) // spare room is appended in place
			view := slices.Clone(h)
			got := appendLater(h, slices.Clone(rs), lo, hi)
			if !slices.EqualFunc(got, want, sameResult) {
				t.Fatalf("appendLater held %v, merge %v", ids(got), ids(want))
			}
			if !slices.EqualFunc(h, view, sameResult) {
				t.Fatalf("a reader's view changed: %v, was %v", ids(h), ids(view))
			}
			for _, r := range got {
				if r.Kind != "" {
					t.Fatalf("result %s kept its kind: only what judging needs is held", r.ID)
				}
			}
		})
	}
}

func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID + "@" + r.StartedAt.Format("15:04")
	}
	return out
}
