package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

func TestPartitions(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(id string, ts time.Time) result.Result {
		return result.Result{ID: id, Branch: "br-1", Device: "atm", Check: "tcp", Kind: "tcp", Status: result.StatusOK, StartedAt: ts, Sweep: "s"}
	}
	t.Run("the migration moves the stored results into one partition per day", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		pool := poolAtSchema(t, dsn, 10)
		for i, ts := range []time.Time{now.Add(-40 * day), now.Add(-day), now, now.Add(time.Hour)} {
			if _, err := pool.Exec(ctx, `INSERT INTO results (id, branch, device, check_name, kind, status, started_at,
				duration_ms, reason, sweep, agent_version, received_at) VALUES ($1, 'br-1', 'atm', 'tcp', 'tcp', 'ok', $2, 1, '', 's', '1', $2)`,
				fmt.Sprint("r", i), ts.UnixNano()); err != nil {
				t.Fatal(err)
			}
		}
		pool.Close()
		s := open(t, dsn)
		defer s.Close()
		rs, err := s.Results(ctx, "br-1", now.Add(-50*day), now.Add(day))
		if err != nil || len(rs) != 4 {
			t.Fatalf("after the migration: %d results, %v; want 4", len(rs), err)
		}
		var inDefault int
		s.pool.QueryRow(ctx, "SELECT count(*) FROM results_default").Scan(&inDefault)
		for _, d := range []time.Time{now.Add(-40 * day), now.Add(-day), now} {
			var n int
			if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+legacyTable.partitionName(d)).Scan(&n); err != nil || n == 0 {
				t.Errorf("partition %s: %d rows, %v; want its day's results", legacyTable.partitionName(d), n, err)
			}
		}
		if inDefault != 0 {
			t.Errorf("%d results in the default partition, want 0", inDefault)
		}
		// Written after the upgrade: a retry of r3 (its time corrected
		// differently) is found in the old table; a new result goes to a
		// chunk; reads return both tables' results.
		retry := at("r3", now.Add(time.Hour+2*time.Minute))
		if ins, dup, err := s.WriteResults(ctx, []result.Result{retry, at("r4", now.Add(2*time.Hour))}, now); err != nil || ins != 1 || dup != 1 {
			t.Fatalf("WriteResults after the upgrade = %d, %d, %v; want 1 inserted, 1 duplicate", ins, dup, err)
		}
		rs, err = s.Results(ctx, "br-1", now.Add(-50*day), now.Add(day))
		if err != nil || fmt.Sprint(ids(rs)) != "[r0 r1 r2 r3 r4]" {
			t.Fatalf("after a write: %v, %v; want [r0 r1 r2 r3 r4], r4 from a chunk", ids(rs), err)
		}
		if n, err := s.DeleteResults(ctx, "br-1", now.Add(90*time.Minute)); err != nil || n != 4 {
			t.Fatalf("DeleteResults = %d, %v; want 4 (three days of the old table and r3)", n, err)
		}
	})
	t.Run("retention drops whole days, counts their results and makes the days ahead", func(t *testing.T) {
		s := open(t, srv.NewDatabase(t))
		defer s.Close()
		if _, err := s.EnsurePartitions(ctx, now.Add(-40*day), now.Add(-30*day)); err != nil {
			t.Fatal(err)
		}
		rs := []result.Result{
			at("old-1", now.Add(-35*day)), at("old-2", now.Add(-35*day).Add(time.Hour)), at("old-3", now.Add(-32*day)),
			at("cut-day", now.Add(-30*day)), at("kept", now.Add(-2*day)),
			// A day with no partition: kept in the default one until retention makes it.
			at("stray-young", now.Add(-10*day)),
		}
		if _, _, err := s.WriteResults(ctx, rs, now); err != nil {
			t.Fatal(err)
		}
		// A day without partition older than the cutoff: dropped partition's day, arriving late.
		gone := chunkTable.partitionName(now.Add(-33 * day))
		if _, err := s.pool.Exec(ctx, "ALTER TABLE result_chunks DETACH PARTITION "+gone+"; DROP TABLE "+gone); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.WriteResults(ctx, []result.Result{at("stray-old", now.Add(-33*day))}, now); err != nil {
			t.Fatal(err)
		}
		cutoff := now.Add(-30 * day)
		n, err := s.ExpireResults(ctx, cutoff, now)
		if err != nil || n != 4 {
			t.Fatalf("ExpireResults = %d, %v; want 4 (three in dropped days, one stray)", n, err)
		}
		got, err := s.Results(ctx, "br-1", now.Add(-60*day), now.Add(day))
		if err != nil || fmt.Sprint(ids(got)) != "[cut-day stray-young kept]" {
			t.Fatalf("left %v, %v; want [cut-day stray-young kept]", ids(got), err)
		}
		ps, err := partitions(ctx, s.pool, chunkTable)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, p := range ps {
			have[p.name] = true
			if p.to <= cutoff.UnixNano() {
				t.Errorf("partition %s ends before the cutoff and was kept", p.name)
			}
		}
		for _, d := range []time.Time{now.Add(-10 * day), now.Add(-day), now.Add(PartitionsAhead * day), cutoff} {
			if !have[chunkTable.partitionName(d)] {
				t.Errorf("no partition %s after retention", chunkTable.partitionName(d))
			}
		}
		var inDefault int
		s.pool.QueryRow(ctx, "SELECT count(*) FROM result_chunks_default").Scan(&inDefault)
		if inDefault != 0 {
			t.Errorf("%d chunks left in the default partition, want 0", inDefault)
		}
		if n, err := s.ExpireResults(ctx, cutoff, now); err != nil || n != 0 {
			t.Errorf("a second run = %d, %v; want 0", n, err)
		}
	})
}

func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
