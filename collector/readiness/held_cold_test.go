package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// coldStart is an engine started on branches imported but never heard
// from, sharing the branch directory ingest tells, as a collector alone on
// its store runs it; hand stores a batch and tells the directory and the
// engine as ingest does.
func coldStart(t *testing.T, now *time.Time, ids ...string) (e *Engine, l *ledger, hand func(id string, rs ...result.Result)) {
	t.Helper()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l = newColdLedger(d, ids...)
	clock := func() time.Time { return *now }
	e = &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: branchdir.New(branchdir.Options{Source: l, Now: clock, Alone: true})}
	e.running.Store(true)
	hand = func(id string, rs ...result.Result) {
		c := store.Contact{At: *now}
		fresh := l.write(id, rs, c)
		b, _ := l.Branch(context.Background(), id)
		e.Branches.Stored(id, b.Descriptor, c)
		e.Handed(id, c, rs, fresh)
	}
	return e, l, hand
}

// A branch imported but never heard from has no result in the store: its
// first batches after a start are judged from memory, without reading it,
// whether the store lists it without a contact or not at all (branches
// imported into the registry only), and without listing every branch.
func TestABranchThatNeverReportedIsJudgedWithoutReadingTheStore(t *testing.T) {
	for _, listed := range []bool{true, false} {
		name := "listed without a contact, its batches are judged from memory"
		if !listed {
			name = "not listed at all, its batches are judged from memory"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := at("08:10")
			e, l, hand := coldStart(t, &now, "lon", "man")
			if !listed {
				l.mu.Lock()
				delete(l.branches, "lon")
				l.mu.Unlock()
			}
			if err := e.shared(ctx); err != nil {
				t.Fatal(err)
			}
			listings := l.listings
			for i, dev := range []string{"atm-01", "sign-01"} {
				now = now.Add(time.Minute)
				hand("lon", res(dev, checks[i].check, result.StatusOK, "08:05", "ok"))
				if err := e.shared(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := verdictOf(t, e, "lon").Judgement.Verdict; got != Ready {
				t.Errorf("lon is %s after both its checks passed, want ready", got)
			}
			if n := l.readCount(); n != 0 {
				t.Errorf("%d result reads for a branch that never reported before the start, want none", n)
			}
			if n := l.listings - listings; n != 0 {
				t.Errorf("%d listings of every branch after the start, want none", n)
			}
		})
	}
}

// A batch committed and handed in after the listing that showed its branch
// without a contact, but before the engine judged that listing, counts:
// the branch is not taken to have nothing stored, whether the engine reads
// the directory ingest tells or its own.
func TestABatchHandedInAfterAListingWithoutContactCounts(t *testing.T) {
	for _, shared := range []bool{true, false} {
		name := "with the directory ingest tells the batch counts"
		if !shared {
			name = "with the engine's own directory the batch counts"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := at("08:10")
			e, l, hand := coldStart(t, &now, "lon")
			if !shared {
				dir := e.Branches
				e.Branches = nil
				hand = func(id string, rs ...result.Result) {
					c := store.Contact{At: now}
					fresh := l.write(id, rs, c)
					b, _ := l.Branch(ctx, id)
					dir.Stored(id, b.Descriptor, c)
					e.Handed(id, c, rs, fresh)
				}
			}
			l.listed = func() {
				now = at("08:11")
				hand("lon", res("atm-01", "reachable", result.StatusOK, "08:05", "ok"),
					res("sign-01", "playlist", result.StatusFail, "08:05", "blank"))
			}
			if err := e.shared(ctx); err != nil {
				t.Fatal(err)
			}
			now = at("08:12")
			hand("lon", res("atm-01", "reachable", result.StatusOK, "08:12", "ok"))
			if err := e.shared(ctx); err != nil {
				t.Fatal(err)
			}
			got := verdictOf(t, e, "lon").Judgement
			if got.Verdict != ReadyDegraded || len(got.Problems) != 1 || got.Problems[0].Reason != "blank" {
				t.Errorf("lon judged %s with %+v, want ready_degraded for the blank signage of its first batch", got.Verdict, got.Problems)
			}
		})
	}
}

// holdNothing leaves alone a branch a batch was handed in for, even when
// the listing it is given shows no contact (read before the commit).
func TestNothingIsHeldForABranchABatchWasHandedInFor(t *testing.T) {
	now := at("08:10")
	e := &Engine{Now: func() time.Time { return now }}
	e.Handed("lon", store.Contact{At: now}, []result.Result{res("atm-01", "reachable", result.StatusOK, "08:05", "ok")}, true)
	e.Handed("man", store.Contact{At: now}, nil, true)
	bs := []store.Branch{{ID: "lon"}, {ID: "man"}, {ID: "bath"}}
	e.holdNothing(bs, []int{0, 1, 2}, now)
	from, to := at("07:00"), at("17:00")
	for _, b := range bs[:2] {
		if _, ok := e.heldResults(store.Branch{ID: b.ID, Contact: store.Contact{At: now}}, from, to, now); ok {
			t.Errorf("%s is held as having nothing stored after a batch was handed in for it", b.ID)
		}
	}
	if rs, ok := e.heldResults(bs[2], from, to, now); !ok || rs.len() != 0 {
		t.Errorf("bath, never heard from, held %v, %d results; want held with none", ok, rs.len())
	}
}

// A branch the store lists is not taken to have nothing stored when its
// first batch after a start is handed in, even if the first judgement read
// none of its results (no descriptor stored yet): what it stored before the
// start counts.
func TestResultsStoredBeforeTheStartCountForABranchListedWithoutADescriptor(t *testing.T) {
	ctx := context.Background()
	now := at("08:10")
	e, l, hand := coldStart(t, &now, "lon")
	l.mu.Lock()
	carried := l.carried
	l.carried = nil // the agent's batch before the start came without its descriptor
	l.mu.Unlock()
	l.write("lon", []result.Result{res("sign-01", "playlist", result.StatusFail, "08:05", "blank")}, store.Contact{At: at("08:06")})
	l.carried = carried
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got != Unknown {
		t.Fatalf("lon is %s without a descriptor, want unknown", got)
	}
	now = at("08:12")
	hand("lon", res("atm-01", "reachable", result.StatusOK, "08:11", "ok"))
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	got := verdictOf(t, e, "lon").Judgement
	if got.Verdict != ReadyDegraded || len(got.Problems) != 1 || got.Problems[0].Reason != "blank" {
		t.Errorf("lon judged %s with %+v, want ready_degraded for the blank signage stored before the start", got.Verdict, got.Problems)
	}
}
