package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestChangedSinceLeavesOutOwnWrites: a collector's BranchesChangedSince
// leaves out the contacts its own group writers stored last (ingest told
// its directory of them) and lists those of another collector, of
// PutBranch, and those whose caller never learnt they were stored, the
// latter until one read has listed them.
func TestChangedSinceLeavesOutOwnWrites(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	write := func(s *Store, branch string, after time.Duration) {
		t.Helper()
		rs := []result.Result{{ID: branch + after.String(), Branch: branch, Device: "atm-01", Check: "reachable", Kind: "tcp",
			Status: result.StatusOK, StartedAt: at.Add(after), Sweep: "s", AgentVersion: "1.2.3"}}
		if _, _, err := s.WriteBatch(ctx, branch, rs, at.Add(after), nil, store.Contact{At: at.Add(after), AgentVersion: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
	}
	changed := func(s *Store) []string {
		t.Helper()
		rows, err := s.BranchesChangedSince(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return ids
	}
	write(a, "par", 0)
	write(b, "lon", time.Second)
	write(a, "ber", 2*time.Second)
	write(b, "ber", 3*time.Second)
	if err := a.PutBranch(ctx, "ams", nil, store.Contact{At: at.Add(4 * time.Second), AgentVersion: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	if got, want := changed(a), []string{"ams", "ber", "lon"}; !slices.Equal(got, want) {
		t.Fatalf("collector a lists %q, want %q (all but its own last writes)", got, want)
	}
	if got, want := changed(b), []string{"ams", "par"}; !slices.Equal(got, want) {
		t.Fatalf("collector b lists %q, want %q", got, want)
	}

	// A request of "par" whose caller gave up before the writer answered.
	r := &writeReq{branch: "par", done: make(chan writeRes, 1)}
	r.state.Store(abandoned)
	a.answer(r, writeRes{inserted: 1}, true)
	if got, want := changed(a), []string{"ams", "ber", "lon", "par"}; !slices.Equal(got, want) {
		t.Fatalf("after a write nobody was told of: collector a lists %q, want %q", got, want)
	}
	if got, want := changed(a), []string{"ams", "ber", "lon"}; !slices.Equal(got, want) {
		t.Fatalf("at the next read: collector a lists %q, want %q", got, want)
	}
}
