package readiness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// collectors is one collector's engine and branch directory (the
// collector under test, "here") on a store another collector also writes
// to, as behind a round-robin load balancer: here hands its batches to the
// directory and the engine as ingest does; elsewhere only writes the store.
type collectors struct {
	t    *testing.T
	e    *Engine
	l    *ledger
	now  *time.Time
	desc *result.Descriptor
}

func twoCollectors(t *testing.T, now *time.Time, alone bool, ids ...string) *collectors {
	t.Helper()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, ids...)
	l.carried = d
	clock := func() time.Time { return *now }
	dir := branchdir.New(branchdir.Options{Source: changeLedger{l}, Now: clock, FullEvery: time.Hour, Alone: alone})
	e := &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: dir}
	e.running.Store(true)
	return &collectors{t: t, e: e, l: l, now: now, desc: d}
}

// here stores a batch through this collector's ingest at contact c.
func (x *collectors) here(id string, c store.Contact, rs ...result.Result) {
	fresh := x.l.write(id, rs, c)
	x.e.Branches.Stored(id, x.desc, c)
	x.e.Handed(id, c, rs, fresh)
}

// elsewhere stores a batch through the other collector at contact c.
func (x *collectors) elsewhere(id string, c store.Contact, rs ...result.Result) {
	x.l.write(id, rs, c)
}

// refresh runs the background refresh; sync has it read the contacts other
// collectors changed first, as it does every Poll.
func (x *collectors) refresh(sync bool) {
	x.t.Helper()
	if sync {
		x.e.lastFull = time.Time{}
	} else {
		x.e.lastFull = time.Now()
	}
	if err := x.e.shared(context.Background()); err != nil {
		x.t.Fatal(err)
	}
}

// A branch's batches reach several collectors behind a round-robin load
// balancer. Whatever the order in which they commit, a batch another
// collector stored counts here by the refresh after this collector's
// branch directory reads its contact, even when a batch stored here
// replaced that contact first or came with a later one; and a branch whose
// first batch here comes after one stored elsewhere counts both at once.
func TestABatchAnotherCollectorStoredCountsByTheNextRefresh(t *testing.T) {
	ok := func(hhmm string) []result.Result {
		return []result.Result{res("atm-01", "reachable", result.StatusOK, hhmm, "ok"), res("sign-01", "playlist", result.StatusOK, hhmm, "ok")}
	}
	blank := []result.Result{res("sign-01", "playlist", result.StatusFail, "08:11", "blank")}
	tests := []struct {
		name string
		// listed: the store has a row of lon (it reported at 07:00)
		// before this collector's first refresh.
		listed bool
		run    func(x *collectors)
	}{
		{"a batch committed elsewhere after one here, with an earlier contact, counts once the directory reads it", true,
			func(x *collectors) {
				*x.now = at("08:12")
				x.here("lon", store.Contact{At: *x.now}, ok("08:05")...)
				x.refresh(false)
				// The other collector took the batch first, and committed it last.
				x.elsewhere("lon", store.Contact{At: at("08:12").Add(-3 * time.Second)}, blank...)
				*x.now = at("08:12").Add(2 * time.Second)
				x.refresh(true)
			}},
		{"a batch committed elsewhere and read by the directory counts though a batch here replaced its contact before the judgement", true,
			func(x *collectors) {
				*x.now = at("08:10")
				x.here("lon", store.Contact{At: *x.now}, ok("08:05")...)
				x.refresh(false)
				*x.now = at("08:11")
				x.elsewhere("lon", store.Contact{At: *x.now}, blank...)
				*x.now = at("08:11").Add(3 * time.Second) // the directory's next Sync
				if err := x.e.Branches.Sync(context.Background()); err != nil {
					x.t.Fatal(err)
				}
				*x.now = at("08:12")
				x.here("lon", store.Contact{At: *x.now}, ok("08:12")[:1]...)
				x.refresh(false)
			}},
		{"a branch new to this collector whose first batch came elsewhere counts that batch with its first one here", false,
			func(x *collectors) {
				*x.now = at("08:11")
				x.elsewhere("lon", store.Contact{At: *x.now}, blank...)
				*x.now = at("08:12")
				x.here("lon", store.Contact{At: *x.now}, ok("08:05")...)
				x.refresh(true)
			}},
		{"a branch new to this collector whose first batch came elsewhere and committed last counts once the directory reads it", false,
			func(x *collectors) {
				*x.now = at("08:12")
				x.here("lon", store.Contact{At: *x.now}, ok("08:05")...)
				x.refresh(false)
				x.elsewhere("lon", store.Contact{At: at("08:12").Add(-time.Second)}, blank...)
				*x.now = at("08:12").Add(2 * time.Second)
				x.refresh(true)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := at("08:05")
			ids := []string{"man"}
			if tc.listed {
				ids = append(ids, "lon")
			}
			x := twoCollectors(t, &now, false, ids...)
			x.refresh(true)
			tc.run(x)
			got := verdictOf(t, x.e, "lon").Judgement
			if got.Verdict != ReadyDegraded || len(got.Problems) != 1 || got.Problems[0].Reason != "blank" {
				t.Errorf("lon judged %s with %+v, want ready_degraded for the blank signage the other collector stored", got.Verdict, got.Problems)
			}
			judgedAsTheStore(t, x.e, x.l)
		})
	}
}

// Alone on its store (SQLite), a collector judges a branch's first batches
// from memory: nothing else can have stored a result of a branch its
// listing did not have.
func TestAloneABranchNewToTheStoreIsJudgedWithoutReadingIt(t *testing.T) {
	now := at("08:05")
	x := twoCollectors(t, &now, true, "man")
	x.refresh(true)
	reads := x.l.readCount()
	for _, hhmm := range []string{"08:10", "08:11", "08:12"} {
		now = at(hhmm)
		x.here("lon", store.Contact{At: now}, res("atm-01", "reachable", result.StatusOK, hhmm, "ok"))
		x.refresh(true)
	}
	if n := x.l.readCount() - reads; n != 0 {
		t.Errorf("%d result reads for a branch new to the store with one collector, want none", n)
	}
	compareWithStore(t, x.e, x.l, 0)
}

// judgedAsTheStore checks every verdict of e's snapshot against a judge
// reading the store at the moment the branch was judged. Unlike
// compareWithStore it leaves the contact alone: the store keeps the contact
// committed last, the directory the newest one.
func judgedAsTheStore(t *testing.T, e *Engine, l *ledger) {
	t.Helper()
	for _, en := range e.Published().entries {
		got := en.status
		fresh := &Engine{Store: l, Now: func() time.Time { return got.JudgedAt }}
		b, err := l.Branch(context.Background(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.Contact = got.Contact
		want, err := fresh.judge(context.Background(), b, fresh.describe(b, false), "", got.JudgedAt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Judgement, want.Judgement) {
			t.Errorf("branch %s judged %s with %+v, from the store %s with %+v", got.ID, got.Judgement.Verdict, got.Judgement.Problems,
				want.Judgement.Verdict, want.Judgement.Problems)
		}
	}
}

// With two collectors behind a round-robin load balancer, the verdicts this
// collector publishes are those a judge reading the store makes, however
// the other collector's batches interleave with this one's: committed
// after a later batch here (an earlier contact), read by the directory
// just before a batch here replaced their contact, or the first of a
// branch this collector has not listed. The directory reads the other
// collector's contacts incrementally (BranchesChangedSince) before the
// refresh that follows each of its batches.
func TestWithTwoCollectorsTheHeldAndStoredJudgementsAgree(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("with random wave %d the held and the stored judgements agree", seed), func(t *testing.T) {
			twoCollectorsAgree(t, seed)
		})
	}
}

func twoCollectorsAgree(t *testing.T, seed uint64) {
	ctx := context.Background()
	w := &wave{rnd: rand.New(rand.NewPCG(seed, 11)), now: at("07:30"), ids: []string{"b1", "b2", "b3", "b4"}}
	x := twoCollectors(t, &w.now, false)
	x.refresh(true)
	last := w.ids[0]
	var mem, all, elsewhere int
	for n := range 200 {
		if n == 100 { // the next business day
			w.now = at("07:30").AddDate(0, 0, 1)
		}
		id := w.ids[w.rnd.IntN(len(w.ids))]
		if w.rnd.IntN(4) == 0 {
			// The other collector: most often the branch's next batch
			// after one here, a few seconds later, and now and then
			// committed after it with the earlier contact.
			if w.rnd.IntN(2) == 0 {
				id = last
			}
			w.now = w.now.Add(time.Duration(w.rnd.IntN(6)+1) * time.Second)
			// Its clock is not this one's: never the same nanosecond as a contact here.
			lag := time.Duration(w.rnd.IntN(7))*time.Second - 500*time.Millisecond
			c := store.Contact{At: w.now.Add(-lag), ConfigHash: "h1", ClockSkew: w.skew()}
			_, missing := x.l.Branch(ctx, id)
			x.elsewhere(id, c, w.batch(c.ClockSkew)...)
			elsewhere++
			k := w.rnd.IntN(3)
			t.Logf("step %d: elsewhere %s at %s (now %s) case %d new %v", n, id, c.At.Format("15:04:05"), w.now.Format("15:04:05"), k, missing != nil)
			switch k {
			case 0: // the directory reads it, a batch here follows at once
				w.now = w.now.Add(settle)
				if err := x.e.Branches.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				x.here(id, x.contact(), w.batch(0)...)
			case 1:
				if missing != nil { // a branch first stored elsewhere: a batch here follows before any listing
					x.here(id, x.contact(), w.batch(0)...)
				}
			}
			w.now = w.now.Add(settle)
			x.refresh(true)
		} else {
			w.now = w.now.Add(time.Duration(w.rnd.IntN(120)+1) * time.Second)
			c := x.contact()
			c.ClockSkew = w.skew()
			x.here(id, c, w.batch(c.ClockSkew)...)
			t.Logf("step %d: here %s at %s", n, id, c.At.Format("15:04:05"))
			last = id
			if w.rnd.IntN(3) == 0 {
				continue // several batches before the next refresh
			}
			before := x.l.readCount()
			x.refresh(w.rnd.IntN(2) == 0)
			all++
			if x.l.readCount() == before {
				mem++
			}
		}
		judgedAsTheStore(t, x.e, x.l)
		if t.Failed() {
			t.Fatalf("step %d", n)
		}
	}
	if mem == 0 || mem == all || elsewhere == 0 {
		t.Errorf("%d of %d refreshes after a batch here read nothing from the store, %d batches elsewhere: the test exercises only one path", mem, all, elsewhere)
	}
}

// contact is a contact at the current time from an agent on this config.
func (x *collectors) contact() store.Contact {
	return store.Contact{At: *x.now, ConfigHash: "h1"}
}

// settle is how long the directory leaves a new contact before taking it
// (see branchdir).
const settle = 2 * time.Second
