package postgres

import (
	"context"
	"fmt"
	"strings"
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
// takes 400,000 / results/s seconds in the store). Sub-benchmarks, run in
// turn so that a burst of load on the machine touches all of them:
// "store" is WriteResults; "without dedup probe" the same insert without
// looking for the ids near their started_at (what the probe costs);
// "unpartitioned as before 0011" is the old table (PRIMARY KEY id, no
// partitions) and its one-statement insert.
//
//	uptime; for i in 1 2 3; do go test -run '^$' -bench WriteResults -benchtime 400x ./collector/store/postgres/ | grep results/s; done
func BenchmarkWriteResults(b *testing.B) {
	srv := pgtest.Start(b)
	noProbe := insertResults[strings.Index(insertResults, "INSERT"):strings.Index(insertResults, "WHERE NOT EXISTS")] +
		"WHERE $14::bigint IS NOT NULL AND $15::bigint IS NOT NULL AND $16::bigint IS NOT NULL\nORDER BY n\nON CONFLICT (id, started_at) DO NOTHING"
	for _, v := range []struct {
		name  string
		write func(*Store, []result.Result) (int, error)
	}{
		{"store", func(s *Store, rs []result.Result) (int, error) {
			n, _, err := s.WriteResults(context.Background(), rs, time.Now())
			return n, err
		}},
		{"without dedup probe", func(s *Store, rs []result.Result) (int, error) { return writeWith(s, rs, noProbe) }},
		{"unpartitioned as before 0011", func(s *Store, rs []result.Result) (int, error) { return writeFlat(s, rs) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			const batch = 500
			s := open(b, srv.NewDatabase(b))
			defer s.Close()
			if _, err := s.pool.Exec(context.Background(), flatTable); err != nil {
				b.Fatal(err)
			}
			start := time.Now().UTC().Truncate(24 * time.Hour).Add(7 * time.Hour)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if ins, err := v.write(s, wave(start, batch)); err != nil || ins != batch {
						b.Errorf("write = %d inserted, %v; want %d", ins, err, batch)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "results/s")
		})
	}
}

// writeWith is WriteResults with another insert statement.
func writeWith(s *Store, rs []result.Result, insert string) (int, error) {
	cols, err := columnsOf(rs, time.Now())
	if err != nil {
		return 0, err
	}
	lo, hi := span(cols.started)
	tag, err := s.pool.Exec(context.Background(), insert, cols.id, cols.branch, cols.device, cols.check, cols.kind, cols.status,
		cols.started, cols.duration, cols.reason, cols.obs, cols.sweep, cols.agent, cols.received, int64(DedupWindow),
		lo-int64(DedupWindow), hi+int64(DedupWindow))
	return int(tag.RowsAffected()), err
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

// flatTable is the results table as it was before migration 0011.
const flatTable = `CREATE TABLE results_flat (LIKE results INCLUDING DEFAULTS);
	CREATE UNIQUE INDEX results_flat_id ON results_flat (id);
	CREATE INDEX results_flat_branch_started ON results_flat (branch, started_at)`

// writeFlat writes into a copy of the table as it was before migration
// 0011: one table, PRIMARY KEY id, ON CONFLICT (id) in one statement.
func writeFlat(s *Store, rs []result.Result) (int, error) {
	ctx := context.Background()
	flat := strings.NewReplacer("INSERT INTO results ", "INSERT INTO results_flat ").Replace(insertResults)
	flat = flat[strings.Index(flat, "INSERT"):strings.Index(flat, "WHERE NOT EXISTS")] + "WHERE $14::bigint IS NOT NULL\nORDER BY n\nON CONFLICT (id) DO NOTHING"
	cols, err := columnsOf(rs, time.Now())
	if err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, flat, cols.id, cols.branch, cols.device, cols.check, cols.kind, cols.status,
		cols.started, cols.duration, cols.reason, cols.obs, cols.sweep, cols.agent, cols.received, int64(DedupWindow))
	return int(tag.RowsAffected()), err
}
