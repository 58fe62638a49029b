package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// With the directory ingest tells, a refresh judges what the directory
// recorded as changed; a branch added or removed still reaches the
// snapshot, and a branch nobody touched is not judged again.
func TestTheSharedDirectoryChangesReachTheSnapshot(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon", "man")
	now := at("08:10")
	clock := func() time.Time { return now }
	dir := branchdir.New(branchdir.Options{Source: l, Now: clock, FullEvery: time.Hour})
	e := &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: dir}
	e.running.Store(true)
	refresh := func() {
		t.Helper()
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
	}
	refresh()
	man := verdictOf(t, e, "man")

	now = at("08:11")
	c := store.Contact{At: now}
	rs := []result.Result{res("atm-01", "reachable", result.StatusOK, "08:05", "ok"), res("sign-01", "playlist", result.StatusOK, "08:05", "ok")}
	l.mu.Lock()
	l.branches["par"] = store.Branch{ID: "par", Descriptor: d}
	l.mu.Unlock()
	l.write("par", rs, c)
	dir.Stored("par", d, c)
	e.Handed("par", c, rs, true)
	refresh()
	if got := verdictOf(t, e, "par").Judgement.Verdict; got != Ready {
		t.Errorf("par, new to the snapshot, is %s after its checks passed, want ready", got)
	}
	if got := verdictOf(t, e, "man"); !got.JudgedAt.Equal(man.JudgedAt) {
		t.Errorf("man was judged again at %v though nothing changed for it", got.JudgedAt)
	}

	now = at("09:20") // past FullEvery: the directory lists every branch again
	l.mu.Lock()
	delete(l.branches, "lon")
	l.mu.Unlock()
	e.lastFull = time.Time{}
	refresh()
	if _, ok := e.Published().entry("lon"); ok || e.Published().Len() != 2 {
		t.Errorf("after lon was removed the snapshot holds %d branches, lon among them: %v", e.Published().Len(), ok)
	}
}
