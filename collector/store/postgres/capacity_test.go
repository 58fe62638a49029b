package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/collector/store/storetest"
)

// BenchmarkCapacity measures the space PostgreSQL takes per raw result and
// per rollup row, indexes included (pg_total_relation_size, over every
// partition of result_chunks, TOAST included), after storing 100,000 results (5,000 branches ×
// 20 devices) and 20 days of rollups of 200 branches × 20 devices, then
// VACUUM ANALYZE. The figures are in docs/capacity.md; they do not depend
// on the machine's load, only on PostgreSQL's version and page layout.
//
//	go test -run '^$' -bench Capacity -benchtime 1x ./collector/store/postgres/
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	srv := pgtest.Start(b)
	dsn := srv.NewDatabase(b)
	s := open(b, dsn)
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
	execSQL(b, dsn, "VACUUM ANALYZE")
	size := func(q string) float64 {
		var n float64
		if err := s.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	results := size(`SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'result_chunks'::regclass`)
	b.ReportMetric(results/(branches*devices), "B/result")
	b.ReportMetric(size(`SELECT pg_total_relation_size('sla_days')`)/(rollBranches*days), "B/day-row")
	b.ReportMetric(size(`SELECT pg_total_relation_size('sla_devices')`)/(rollBranches*days*devices), "B/device-row")
	b.ReportMetric(size(`SELECT pg_total_relation_size('sla_totals')`)/(rollBranches*days), "B/branch-day-of-totals")
	b.ReportMetric(size(`SELECT count(*) FROM sla_totals`)/days, "totals-rows/day")
}
