package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// BenchmarkWriteBatchWave is the writer's share of a pre-opening wave
// (round 2, no descriptors): one op is one branch's batch of 20 new
// results and its contact with a heartbeat, from 64 callers on the two
// cores, as BenchmarkIngestWave posts them. cpu-s/400k, the process's CPU
// per 400,000 results, is the figure to compare on a shared machine.
//
//	go test -run '^$' -bench WriteBatchWave -benchtime 10000x ./collector/store/sqlite/
func BenchmarkWriteBatchWave(b *testing.B) {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "wave.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const checks = 20
	batches := make([][]result.Result, b.N)
	for i := range batches {
		batches[i] = benchResults(i*checks, checks, timeOrderedID)
		for j := range batches[i] {
			batches[i][j].Branch = fmt.Sprintf("wave-%05d", i)
		}
	}
	now := time.Now()
	health := &result.Health{SpoolDepth: checks, LastSweep: now}
	var next atomic.Int64
	b.SetParallelism(32)
	cpu := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			c := store.Contact{At: now, AgentVersion: "1.4.0", ConfigHash: "sha256:0f3a9c", Health: health}
			if ins, _, err := s.WriteBatch(context.Background(), fmt.Sprintf("wave-%05d", i), batches[i], now, nil, c); err != nil || ins != checks {
				b.Errorf("WriteBatch = %d inserted, %v; want %d", ins, err, checks)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric((processCPU()-cpu).Seconds()*400000/float64(b.N*checks), "cpu-s/400k")
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
