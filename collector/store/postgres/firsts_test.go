package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestFirstBatch: the store vouches, once, for a batch that held the first
// results it had of its branch, and for no other: not a later batch, not
// a first one followed by another write of the branch here before it was
// asked, not one after another collector's, not a heartbeat.
func TestFirstBatch(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	n := 0
	write := func(s *Store, branch string, after time.Duration, results int) time.Time {
		t.Helper()
		var rs []result.Result
		for range results {
			n++
			rs = append(rs, result.Result{ID: fmt.Sprintf("%s-%03d", branch, n), Branch: branch, Device: "atm-01", Check: "reachable",
				Kind: "tcp", Status: result.StatusOK, StartedAt: at.Add(after), Sweep: "s", AgentVersion: "1.2.3"})
		}
		c := at.Add(after)
		if _, _, err := s.WriteBatch(ctx, branch, rs, c, nil, store.Contact{At: c, AgentVersion: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	par := write(a, "par", 0, 3)
	if !a.FirstBatch("par", par) {
		t.Error("the first batch of par: not vouched for")
	}
	if a.FirstBatch("par", par) {
		t.Error("the first batch of par vouched for twice")
	}
	if c := write(a, "par", time.Second, 3); a.FirstBatch("par", c) {
		t.Error("par's second batch vouched for")
	}
	lon := write(a, "lon", 0, 3)
	write(a, "lon", time.Second, 0)
	if a.FirstBatch("lon", lon) {
		t.Error("lon's first batch vouched for after a later write of lon")
	}
	write(b, "ber", 0, 3)
	if c := write(a, "ber", time.Second, 3); a.FirstBatch("ber", c) {
		t.Error("a batch of ber vouched for after another collector's")
	}
	if c := write(a, "ams", 0, 0); a.FirstBatch("ams", c) {
		t.Error("a heartbeat vouched for")
	}
}
