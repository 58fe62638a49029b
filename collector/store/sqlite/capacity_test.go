package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/storetest"
)

// BenchmarkCapacity measures the space SQLite takes per raw result and per
// rollup row, indexes included (the dbstat table: pages of each table and
// index), after storing 100,000 results (5,000 branches × 20 devices) and
// 20 days of rollups of 200 branches × 20 devices. The figures are in
// docs/capacity.md; they do not depend on the machine's load.
//
//	go test -run '^$' -bench Capacity -benchtime 1x ./collector/store/sqlite/
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "capacity.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(7 * time.Hour)
	const branches, devices = 5000, 20
	for first := 0; first < branches; first += 25 {
		if _, _, err := s.WriteResults(ctx, storetest.CapacityResults(start, first, 25, devices), start.Add(time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	const rollBranches, days = 200, 20
	for d := range days {
		date := start.AddDate(0, 0, -40+d).Format(time.DateOnly)
		for first := 0; first < rollBranches; first += 50 {
			if err := s.PutSLARollups(ctx, storetest.CapacityRollups(date, first, 50, devices)); err != nil {
				b.Fatal(err)
			}
		}
	}
	size := func(tables ...string) float64 {
		var total float64
		for _, t := range tables {
			var n float64
			q := `SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?1 OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1)`
			if err := s.rdb.QueryRowContext(ctx, q, t).Scan(&n); err != nil {
				b.Fatal(err)
			}
			total += n
		}
		return total
	}
	b.ReportMetric(size("result_chunks")/(branches*devices), "B/result")
	b.ReportMetric(size("sla_days")/(rollBranches*days), "B/day-row")
	b.ReportMetric(size("sla_devices")/(rollBranches*days*devices), "B/device-row")
	b.ReportMetric(size("sla_totals")/(rollBranches*days), "B/branch-day-of-totals")
}
