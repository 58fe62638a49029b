package readiness

import (
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// BenchmarkMergeSweep times merging a branch's sweep of 20 results, in
// time order as an agent ships it, into what the engine holds of the
// branch (its earlier sweeps): what Handed does for each batch. Run:
//
//	go test -run '^$' -bench MergeSweep -count 5 ./collector/readiness
func BenchmarkMergeSweep(b *testing.B) {
	sweep := func(k int) []result.Result {
		start := at("08:00").Add(time.Duration(k) * 5 * time.Minute)
		rs := make([]result.Result, 20)
		for j := range rs {
			rs[j] = result.Result{ID: fmt.Sprintf("%08x-%d", (k*7919+j*104729)%99991, j), Device: "atm-01", Check: fmt.Sprintf("check-%d", j),
				Status: result.StatusOK, StartedAt: start.Add(time.Duration(j) * 100 * time.Millisecond)}
		}
		return rs
	}
	sweeps := make([][]result.Result, 8)
	for k := range sweeps {
		sweeps[k] = sweep(k)
	}
	b.ReportAllocs()
	for range b.N {
		var held []result.Result
		for _, rs := range sweeps {
			held = merge(held, compact(rs, time.Time{}, time.Time{}))
		}
		if len(held) != 160 {
			b.Fatalf("%d results held, want 160", len(held))
		}
	}
}
