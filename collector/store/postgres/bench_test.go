package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// BenchmarkWriteResults stores batches of 500 new results (time-ordered
// ids, as agents make them; 20 devices of 25 branches per batch, started
// this morning, so they land in today's partition) from 8 concurrent
// callers into a fresh database on a throwaway local server. One op is one
// batch; results/s is the figure to compare (a wave of 400,000 results
// takes 400,000 / results/s seconds in the store).
//
//	uptime; for i in 1 2 3; do go test -run '^$' -bench WriteResults -benchtime 400x ./collector/store/postgres/ | grep results/s; done
func BenchmarkWriteResults(b *testing.B) {
	srv := pgtest.Start(b)
	const batch = 500
	s := open(b, srv.NewDatabase(b))
	defer s.Close()
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(7 * time.Hour)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ins, _, err := s.WriteResults(context.Background(), wave(start, batch), time.Now()); err != nil || ins != batch {
				b.Errorf("write = %d inserted, %v; want %d", ins, err, batch)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "results/s")
}

// wave returns n results of a pre-opening sweep: 20 devices per branch,
// branches numbered at random, each result with an observation.
func wave(start time.Time, n int) []result.Result {
	rs := make([]result.Result, n)
	first := time.Now().UnixNano() % 20000
	for i := range rs {
		rs[i] = result.Result{ID: result.NewID(), Branch: fmt.Sprintf("br-%05d", (first+int64(i/20))%20000),
			Device: fmt.Sprintf("dev-%02d", i%20), Check: "reachable", Kind: "tcp", Status: result.StatusOK,
			StartedAt: start.Add(time.Duration(i) * time.Millisecond), DurationMS: 12.5,
			Reason: "answered in 12ms", Observations: map[string]float64{"latency_seconds": 0.0125},
			Sweep: "pre-opening-1", AgentVersion: "1.2.3"}
	}
	return rs
}
