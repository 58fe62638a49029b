package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
)

// caughtUpBank is a running engine (Run's flag, no Run: the test says
// when refreshes happen) over two branches that reported at 07:00, with
// the shared directory ingest tells, and a hand for ingest's batches that
// returns their stored_at.
func caughtUpBank(t *testing.T, now *time.Time) (*Engine, func(id string, c store.Contact) time.Time) {
	t.Helper()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon", "man")
	clock := func() time.Time { return *now }
	dir := branchdir.New(branchdir.Options{Source: changeLedger{l}, Now: clock, FullEvery: time.Hour, Alone: true})
	e := &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: dir}
	e.running.Store(true)
	if err := e.shared(context.Background()); err != nil {
		t.Fatal(err)
	}
	hand := func(id string, c store.Contact) time.Time {
		rs := sweepOf(id, at("08:05"), 0)
		fresh := l.write(id, rs, c)
		dir.Stored(id, d, c)
		return e.Handed(id, c, rs, fresh)
	}
	return e, hand
}

// A client that posted a batch and then reads the board must see it
// judged: the snapshot Run published before the batch was up to Run's gap
// (a quarter of a second) behind, and a load generator waiting for every
// branch's verdict read the whole list once more for it.
func TestAReadAfterABatchWasStoredSeesItJudged(t *testing.T) {
	now := at("08:10")
	e, hand := caughtUpBank(t, &now)
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got == Ready {
		t.Fatalf("lon is %s before its sweep, want it not ready yet", got)
	}
	now = now.Add(time.Second)
	storedAt := hand("lon", store.Contact{At: now})
	now = now.Add(time.Millisecond)
	snap, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	en, ok := snap.entry("lon")
	switch {
	case !ok:
		t.Fatal("lon is not in the snapshot")
	case en.status.JudgedAt.Before(storedAt):
		t.Errorf("the read after lon's batch shows it judged at %s, before the batch was stored at %s",
			en.status.JudgedAt.Format(time.StampMilli), storedAt.Format(time.StampMilli))
	case en.status.Judgement.Verdict != Ready:
		t.Errorf("the read after lon's passing sweep shows it %s, want ready", en.status.Judgement.Verdict)
	}
}

// A read must not wait for the whole board to be judged again (a new
// maintenance window, a new skew threshold): it is served the published
// snapshot, and Run catches up in the background.
func TestAReadDoesNotWaitForEveryBranchToBeJudgedAgain(t *testing.T) {
	now := at("08:10")
	e, hand := caughtUpBank(t, &now)
	now = now.Add(time.Second)
	hand("lon", store.Contact{At: now})
	e.InvalidateAll()
	before, ended := e.Published(), e.ended.Load()
	snap, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap != before || e.ended.Load() != ended {
		t.Errorf("a read with every branch to judge again ran %d refreshes, want the published snapshot served", e.ended.Load()-ended)
	}
}
