package readiness

import (
	"context"
	"testing"
	"testing/synctest"
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
	e, hand := bankOf(t, func() time.Time { return *now }, "lon", "man")
	e.running.Store(true)
	if err := e.shared(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, hand
}

// bankOf is an engine over branches ids that reported at 07:00, with the
// shared directory ingest tells, and a hand for ingest's batches (a
// passing sweep at 08:05) that returns their stored_at.
func bankOf(t *testing.T, clock func() time.Time, ids ...string) (*Engine, func(id string, c store.Contact) time.Time) {
	t.Helper()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, ids...)
	dir := branchdir.New(branchdir.Options{Source: changeLedger{l}, Now: clock, FullEvery: time.Hour, Alone: true})
	e := &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: dir}
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

// Run keeps its gap (minGap) after a refresh a read ran, not only after
// its own: the batches handed in after the read wait for it, and the
// board that was just brought up to date is not published again at once.
func TestRunKeepsItsGapAfterARefreshAReadRan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		e, hand := bankOf(t, func() time.Time { return at("08:10").Add(time.Since(start)) }, "lon", "man", "york")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.Run(ctx, func(err error) { t.Error(err) })
		if _, err := e.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		hand("lon", store.Contact{At: e.now()}) // Run judges it at once: its last refresh is long past
		synctest.Wait()
		time.Sleep(minGap / 2)
		hand("man", store.Contact{At: e.now()}) // Run waits for its gap; a read judges man now
		if _, err := e.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		york := hand("york", store.Contact{At: e.now()})
		time.Sleep(minGap*3/4 + time.Millisecond) // past Run's gap after its own refresh
		synctest.Wait()
		if got := verdictOf(t, e, "york").JudgedAt; !got.Before(york) {
			t.Errorf("york was judged %s after its batch, before minGap had passed since the read's refresh", got.Sub(york))
		}
		time.Sleep(minGap / 2)
		synctest.Wait()
		if got := verdictOf(t, e, "york").JudgedAt; got.Before(york) {
			t.Errorf("york was not judged %s after its batch was stored", minGap)
		}
		cancel()
		synctest.Wait()
	})
}

// A branch page never waits for the engine's refresh: the page of a branch
// that did not report is drawn from the snapshot, and the page of one that
// did judges that branch alone, so that it shows the batch without waiting
// for every other branch's to be judged.
func TestABranchPageNeverWaitsForTheEnginesRefresh(t *testing.T) {
	now := at("08:10")
	e, hand := caughtUpBank(t, &now)
	now = now.Add(time.Second)
	storedAt := hand("lon", store.Contact{At: now})
	now = now.Add(time.Millisecond)
	t.Run("the page of a branch that did not report runs no refresh", func(t *testing.T) {
		ended := e.ended.Load()
		if _, err := e.One(context.Background(), "man", ""); err != nil {
			t.Fatal(err)
		}
		if n := e.ended.Load() - ended; n != 0 {
			t.Errorf("man's page ran %d refreshes for lon's batch", n)
		}
	})
	t.Run("the page of the branch that reported shows its batch judged", func(t *testing.T) {
		ended := e.ended.Load()
		s, err := e.One(context.Background(), "lon", "")
		if err != nil {
			t.Fatal(err)
		}
		if s.JudgedAt.Before(storedAt) || s.Judgement.Verdict != Ready {
			t.Errorf("lon's page shows it %s judged at %s, want ready judged at or after %s",
				s.Judgement.Verdict, s.JudgedAt.Format(time.StampMilli), storedAt.Format(time.StampMilli))
		}
		if n := e.ended.Load() - ended; n != 0 {
			t.Errorf("lon's page waited for %d refreshes instead of judging lon alone", n)
		}
	})
}

// Latest serves the published snapshot at once, for a page a person reads
// that must not wait for other branches' batches to be judged.
func TestLatestDoesNotWaitForTheBatchesHandedIn(t *testing.T) {
	now := at("08:10")
	e, hand := caughtUpBank(t, &now)
	now = now.Add(time.Second)
	hand("lon", store.Contact{At: now})
	before, ended := e.Published(), e.ended.Load()
	snap, err := e.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap != before || e.ended.Load() != ended {
		t.Errorf("Latest ran %d refreshes, want the published snapshot served", e.ended.Load()-ended)
	}
}
