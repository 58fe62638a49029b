package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

func TestRetentionDeletesOnlyResultsOlderThanItAndCountsThem(t *testing.T) {
	// SQLite deletes branch by branch; the PostgreSQL store's partition
	// drops are tested in collector/store/postgres (TestPartitions).
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	st, srv := pruneAt(t, now)
	for _, b := range []string{"a", "b"} {
		if err := st.PutBranch(ctx, b, nil, store.Contact{At: now}); err != nil {
			t.Fatal(err)
		}
		var rs []result.Result
		for _, age := range []time.Duration{100 * 24 * time.Hour, 31 * 24 * time.Hour, 29 * 24 * time.Hour, time.Hour} {
			rs = append(rs, result.Result{ID: b + age.String(), Branch: b, Device: "d", Check: "c", Kind: "tcp",
				Status: result.StatusOK, StartedAt: now.Add(-age), Reason: "ok"})
		}
		if _, _, err := st.WriteResults(ctx, rs, now); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Prune(ctx); n != 4 {
		t.Errorf("pruned %d results, want 4 (two per branch older than the default 30 days)", n)
	}
	if got := testutil.ToFloat64(srv.Metrics.PrunedResults); got != 4 {
		t.Errorf("branchready_store_pruned_results_total %v, want 4", got)
	}
	for _, b := range []string{"a", "b"} {
		rs, _ := st.Results(ctx, b, now.Add(-365*24*time.Hour), now.Add(time.Hour))
		if len(rs) != 2 {
			t.Errorf("branch %s keeps %d results, want the 2 younger than 30 days", b, len(rs))
		}
	}
}

func TestSLARetentionDeletesOnlyRollupsOlderThanIt(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	st, srv := pruneAt(t, now)
	var ups []store.SLARollup
	for _, date := range []string{"2021-11-22", "2021-11-23", "2021-11-25", "2026-11-23"} {
		ups = append(ups, store.SLARollup{Day: store.SLADay{Branch: "a", Region: "north", Date: date, Verdict: "ready", RolledAt: now}})
	}
	if err := st.PutSLARollups(ctx, ups); err != nil {
		t.Fatal(err)
	}
	srv.PruneSLA(ctx)
	days, err := st.SLADays(ctx, "2000-01-01", "2099-12-31")
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, d := range days {
		dates = append(dates, d.Date)
	}
	// Five years of 365 days before 2026-11-24 is 2021-11-25.
	if fmt.Sprint(dates) != "[2021-11-25 2026-11-23]" {
		t.Errorf("rollups kept for %v, want [2021-11-25 2026-11-23] (five years)", dates)
	}
}

func TestIncidentRetentionDeletesOnlyIncidentsResolvedBeforeItAndCountsThem(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	st, srv := pruneAt(t, now)
	var incs []store.IncidentRecord
	for _, ago := range []time.Duration{DefaultIncidentRetention + time.Hour, DefaultIncidentRetention - time.Hour} {
		at := now.Add(-ago)
		incs = append(incs, store.IncidentRecord{ID: fmt.Sprintf("inc-%v", ago), Branch: "a", Device: "atm-01", Check: "reachable",
			State: store.ResolvedState, OpenedAt: at, UpdatedAt: at, Body: []byte(`{}`)})
	}
	if err := st.SaveIncidents(ctx, incs, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.PruneIncidents(ctx); n != 1 {
		t.Errorf("PruneIncidents = %d, want 1 (the incident resolved a year and an hour ago)", n)
	}
	if _, err := st.Incident(ctx, incs[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the incident resolved before the retention is still there: %v", err)
	}
	if _, err := st.Incident(ctx, incs[1].ID); err != nil {
		t.Errorf("the incident resolved within the retention is gone: %v", err)
	}
	if got := testutil.ToFloat64(srv.Metrics.PrunedIncidents); got != 1 {
		t.Errorf("branchready_store_pruned_incidents_total = %v, want 1", got)
	}
}

// pruneAt returns an SQLite store and a server over it whose clock says
// now, with the default retentions.
func pruneAt(t *testing.T, now time.Time) (*sqlite.Store, *Server) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens, _ := auth.NewTokens(nil)
	users, _ := auth.NewUsers(nil)
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Now: func() time.Time { return now },
		Retention: DefaultRetention, SLARetention: DefaultSLARetention, IncidentRetention: DefaultIncidentRetention})
	return st, srv
}
