package collector

import (
	"context"
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, b := range []string{"a", "b"} {
		if err := st.PutBranch(ctx, b, nil, store.Contact{At: now}); err != nil {
			t.Fatal(err)
		}
		var rs []result.Result
		for _, age := range []time.Duration{100 * 24 * time.Hour, 91 * 24 * time.Hour, 89 * 24 * time.Hour, time.Hour} {
			rs = append(rs, result.Result{ID: b + age.String(), Branch: b, Device: "d", Check: "c", Kind: "tcp",
				Status: result.StatusOK, StartedAt: now.Add(-age), Reason: "ok"})
		}
		if _, _, err := st.WriteResults(ctx, rs, now); err != nil {
			t.Fatal(err)
		}
	}
	tokens, _ := auth.NewTokens(nil)
	users, _ := auth.NewUsers(nil)
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Now: func() time.Time { return now }, Retention: DefaultRetention})
	if n := srv.Prune(ctx); n != 4 {
		t.Errorf("pruned %d results, want 4 (two per branch older than 90 days)", n)
	}
	if got := testutil.ToFloat64(srv.Metrics.PrunedResults); got != 4 {
		t.Errorf("branchready_store_pruned_results_total %v, want 4", got)
	}
	for _, b := range []string{"a", "b"} {
		rs, _ := st.Results(ctx, b, now.Add(-365*24*time.Hour), now.Add(time.Hour))
		if len(rs) != 2 {
			t.Errorf("branch %s keeps %d results, want the 2 younger than 90 days", b, len(rs))
		}
	}
}
