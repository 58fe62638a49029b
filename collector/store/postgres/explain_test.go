package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/collector/store/storetest"
	"github.com/branchready/branchready/result"
)

// TestTheBranchPageQueriesUseTheirIndexes fills a store as a bank of 1,000
// branches of 20 devices with two days of results (three sweeps) and 30
// days of roll-ups, and checks that no query the branch page makes reads a whole
// table: each plan (EXPLAIN ANALYZE, logged with -v) has no sequential
// scan of a table that grows with the bank. (result_chunks_default, where only
// rows outside every day's partition land, is empty and may be scanned.)
func TestTheBranchPageQueriesUseTheirIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store of 1,000 branches")
	}
	ctx := context.Background()
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	s := open(t, dsn)
	defer s.Close()
	const branches, devices = 1000, 20
	today := time.Now().UTC().Truncate(24 * time.Hour)
	for sweep := range 3 { // one yesterday, two today
		start := today.AddDate(0, 0, -sweep/2).Add(7*time.Hour + time.Duration(sweep)*20*time.Minute)
		for first := 0; first < branches; first += 100 {
			if _, _, err := s.WriteResults(ctx, storetest.CapacityResults(start, first, 100, devices), start.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var dates []string
	for d := 30; d >= 1; d-- {
		date := today.AddDate(0, 0, -d).Format(time.DateOnly)
		dates = append(dates, date)
		for first := 0; first < branches; first += 500 {
			if err := s.PutSLARollups(ctx, storetest.CapacityRollups(date, first, 500, 1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for b := range branches {
		id := fmt.Sprintf("branch-%05d", b)
		d := &result.Descriptor{Name: id, Region: fmt.Sprintf("region-%d", b%5)}
		if err := s.PutBranch(ctx, id, d, store.Contact{At: today}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutConfirmation(ctx, id, result.Confirmation{Device: "lobby", Check: "book", Date: today.Format(time.DateOnly), By: "x", At: today}); err != nil {
			t.Fatal(err)
		}
	}
	execSQL(t, dsn, "VACUUM ANALYZE")
	id := "branch-00734"
	from, to := today.Add(6*time.Hour).UnixNano(), today.Add(9*time.Hour).UnixNano()
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"the branch", "SELECT " + branchColumns + " FROM branches WHERE id = $1", []any{id}},
		{"its descriptor versions", "SELECT effective_at, COALESCE(descriptor_json, descriptor::text) FROM descriptor_history WHERE branch = $1 ORDER BY effective_at", []any{id}},
		{"the strip's roll-ups", "SELECT " + store.SLADayColumns + " FROM sla_days WHERE date = ANY($1::text[]) AND branch = $2 ORDER BY date", []any{dates, id}},
		{"the day's results", readChunks, []any{[]string{id}, dayStart(from), to, from}},
		{"a month of results (the strip without roll-ups)", readChunks,
			[]any{[]string{id}, today.AddDate(0, 0, -30).UnixNano(), today.UnixNano(), today.AddDate(0, 0, -30).UnixNano()}},
		{"the dedup check of a new batch", candidateChunks, []any{id, dayStart(from - int64(DedupWindow)), to + int64(DedupWindow),
			from - int64(DedupWindow), to + int64(DedupWindow), "0", "z"}},
		{"the day's confirmations", `SELECT device, check_name, date, by_name, at, problem FROM confirmations WHERE branch = $1 AND date = $2 ORDER BY at`,
			[]any{id, today.Format(time.DateOnly)}},
	} {
		rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", q.name, text)
		if seqScan(plan) {
			t.Errorf("%s reads a whole table:\n%s", q.name, text)
		}
	}
}

// seqScan reports whether a plan reads a table other than a DEFAULT
// partition whole. An empty partition (a day ahead, which the dedup check
// of a batch near midnight reaches) has no pages to read, and the planner
// rightly scans it.
func seqScan(plan []string) bool {
	for _, line := range plan {
		if strings.Contains(line, "Seq Scan") && !strings.Contains(line, "Seq Scan on result_chunks_default") &&
			!strings.Contains(line, "(cost=0.00..0.00 rows=1") {
			return true
		}
	}
	return false
}
