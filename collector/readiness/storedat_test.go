package readiness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// A batch's stored_at is the moment Handed returns. When ingest took it
// itself once Handed returned, its goroutine could wait there on a loaded
// machine while a refresh judged the branch (the batch included): that
// judgement was older than stored_at, nothing marked the branch to be
// judged again, and a client waiting for judged_at to reach stored_at
// waited for MaxAge. The refresh that takes the mark now judges after it.
func TestABranchIsJudgedAfterItsBatchWasStoredWhenARefreshRanInBetween(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon")
	var mu sync.Mutex
	now := at("08:10")
	clock := func() time.Time { // every reading a millisecond later
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	e := &Engine{Store: l, Now: clock, Poll: time.Hour}
	e.running.Store(true)
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	c := store.Contact{At: clock()}
	rs := []result.Result{res("atm-01", checks[0].check, result.StatusOK, "08:05", "ok")}
	storedAt := e.Handed("lon", c, rs, l.write("lon", rs, c))
	// The refresh the batch woke runs before ingest answers, and reads the
	// clock before ingest would have, had it taken stored_at itself.
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	if late := clock(); !storedAt.Before(late) {
		t.Fatalf("stored_at %s is not before the moment ingest answers (%s)", storedAt, late)
	}
	for range 3 { // the next refreshes, nothing else handed in
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := verdictOf(t, e, "lon").JudgedAt; got.Before(storedAt) {
		t.Errorf("lon judged at %s, before its batch was stored at %s, and not judged again", got.Format(time.StampMilli), storedAt.Format(time.StampMilli))
	}
}

// Handed reads stored_at while it holds the engine's lock, the branch
// marked: a refresh, which takes the marks under that lock and reads the
// clock afterwards, cannot take this one and judge before stored_at.
// Read once the lock was let go, a refresh could slip in between.
func TestHandedReadsStoredAtWhileItHoldsTheMark(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon")
	var e *Engine
	handing := false
	var readings, unmarked int // clock readings during Handed, those outside the mark
	now := at("08:10")
	clock := func() time.Time {
		if handing {
			readings++
			if e.mu.TryLock() { // nobody holds it: a refresh could take the mark now
				e.mu.Unlock()
				unmarked++
			} else if !e.dirty["lon"] { // held by Handed, which set the mark first
				unmarked++
			}
		}
		now = now.Add(time.Millisecond)
		return now
	}
	e = &Engine{Store: l, Now: clock, Poll: time.Hour}
	e.running.Store(true)
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	c := store.Contact{At: clock()}
	rs := []result.Result{res("atm-01", checks[0].check, result.StatusOK, "08:05", "ok")}
	fresh := l.write("lon", rs, c)
	handing = true
	storedAt := e.Handed("lon", c, rs, fresh)
	handing = false
	if readings == 0 || unmarked > 0 || !storedAt.Equal(now) {
		t.Errorf("Handed read the clock %d times, %d of them without holding the branch's mark, and answered %s (last reading %s); want stored_at read with the mark held",
			readings, unmarked, storedAt.Format(time.StampMilli), now.Format(time.StampMilli))
	}
}
