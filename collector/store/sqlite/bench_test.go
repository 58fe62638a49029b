package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/branchready/branchready/result"
)

// benchStart is when the benchmark's results start.
var benchStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// randomID is a version 4 UUID: 122 random bits, nothing time-ordered
// (result.NewID is UUIDv7 now, so it cannot stand for random ids).
func randomID(int) string { return uuid.NewString() }

// timeOrderedID puts the time first (48-bit unix ms, then 80 random bits), as
// UUIDv7 does, so new ids land at the end of the id index instead of all
// over it.
func timeOrderedID(int) string {
	return fmt.Sprintf("%012x", time.Now().UnixMilli()) + result.NewID()[:20]
}

// benchResults returns n results starting at sequence first, with ids from
// newID.
func benchResults(first, n int, newID func(int) string) []result.Result {
	rs := make([]result.Result, n)
	for i := range rs {
		seq := first + i
		rs[i] = result.Result{
			ID: newID(seq), Branch: fmt.Sprintf("br-%04d", seq%200),
			Device: fmt.Sprintf("atm-%02d", seq%12), Check: "cash-dispenser", Kind: "tcp",
			Status: result.StatusOK, StartedAt: benchStart.Add(time.Duration(seq) * time.Millisecond),
			DurationMS: 12.5, Reason: "answered in 12ms",
			Observations: map[string]float64{"latency_seconds": 0.0125},
			Sweep:        "pre-opening-1", AgentVersion: "1.2.3",
		}
	}
	return rs
}

// BenchmarkWriteResults stores batches of 500 new results from concurrent
// callers (4 per GOMAXPROCS) into a fresh database, durably. One op is one
// batch; -benchtime 2000x writes 1M results.
//
//	go test -run '^$' -bench WriteResults -benchtime 2000x ./collector/store/sqlite/
func BenchmarkWriteResults(b *testing.B) {
	for _, c := range []struct {
		name  string
		newID func(int) string
	}{
		{"random_ids", randomID},
		{"time_ordered_ids", timeOrderedID},
	} {
		b.Run(c.name, func(b *testing.B) { benchWrite(b, c.newID) })
	}
}

func benchWrite(b *testing.B, newID func(int) string) {
	const batch = 500
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for seq := 0; pb.Next(); seq += batch {
			rs := benchResults(seq, batch, newID)
			if ins, _, err := s.WriteResults(context.Background(), rs, time.Now()); err != nil || ins != batch {
				b.Errorf("WriteResults = %d inserted, %v; want %d", ins, err, batch)
				return
			}
		}
	})
	// Every result is durable once acknowledged; Close's final checkpoint
	// is not part of the measure.
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "results/s")
}
