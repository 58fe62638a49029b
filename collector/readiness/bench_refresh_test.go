package readiness

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// benchBank is a bank of n branches (the fixture's three devices) as a
// collector alone on its store (SQLite) runs the engine: with the branch
// directory ingest tells. With
// rows, each branch reported at 07:00 (its row and descriptor are in the
// store); without, the store has no row of any (imported into the registry
// only, as the wave's load generator does).
func benchBank(b *testing.B, n int, rows bool, now *time.Time) (*Engine, *ledger, []string, func(id string, rs []result.Result, c store.Contact)) {
	b.Helper()
	d, cal := fixture(b)
	d.Calendar = cal.Spec()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%05d", i)
	}
	l := newLedger(d, ids...)
	if !rows {
		l = newLedger(d)
	}
	clock := func() time.Time { return *now }
	dir := branchdir.New(branchdir.Options{Source: changeLedger{l}, Now: clock, FullEvery: time.Hour, Alone: true})
	e := &Engine{Store: l, Now: clock, Poll: time.Hour, Branches: dir}
	e.running.Store(true)
	hand := func(id string, rs []result.Result, c store.Contact) {
		l.mu.Lock()
		if _, ok := l.branches[id]; !ok {
			l.branches[id] = store.Branch{ID: id, Descriptor: d}
		}
		l.mu.Unlock()
		fresh := l.write(id, rs, c)
		dir.Stored(id, d, c)
		e.Handed(id, c, rs, fresh)
	}
	if err := e.shared(context.Background()); err != nil {
		b.Fatal(err)
	}
	return e, l, ids, hand
}

// changeLedger lists the contacts changed since a time, as the SQL stores
// do for the directory's Sync between full listings.
type changeLedger struct{ *ledger }

func (c changeLedger) BranchesChangedSince(_ context.Context, since time.Time) ([]store.ContactRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []store.ContactRow
	for id, b := range c.branches {
		if !b.Contact.At.Before(since) {
			out = append(out, store.ContactRow{ID: id, Contact: b.Contact})
		}
	}
	return out, nil
}

// sweepOf is a branch's sweep at t: its three checks passed.
func sweepOf(id string, t time.Time, k int) []result.Result {
	var rs []result.Result
	for j, c := range checks[:3] {
		rs = append(rs, result.Result{ID: fmt.Sprintf("%s-%d-%d", id, k, j), Device: c.dev, Check: c.check, Status: result.StatusOK,
			StartedAt: t, Reason: "ok"})
	}
	return rs
}

// BenchmarkFirstWave20000 times the first wave after a start on 20,000
// branches the store has no row of (the load generator's round 1): each
// hands its first batch in, and refreshes of 500 judge them all. Run:
//
//	go test -run '^$' -bench FirstWave20000 -benchtime 3x ./collector/readiness
func BenchmarkFirstWave20000(b *testing.B) {
	started := at("08:05")
	for range b.N {
		b.StopTimer()
		now := at("08:10")
		e, l, _, hand := benchBank(b, 0, false, &now)
		b.StartTimer()
		for i := range 20000 {
			id := fmt.Sprintf("b%05d", i)
			now = now.Add(time.Millisecond)
			hand(id, sweepOf(id, started, 0), store.Contact{At: now})
			if i%500 == 499 {
				if err := e.shared(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		if s := e.Published(); s.Len() != 20000 {
			b.Fatalf("%d branches in the snapshot, want 20000", s.Len())
		}
		b.ReportMetric(float64(l.readCount()), "reads/wave")
	}
}

// BenchmarkPoll20000 times refreshes of a bank of 20,000 branches that
// reported this morning when few report at a time: 20 batches, then a
// refresh that is a poll (every Poll the engine looks at what other
// collectors stored). Run:
//
//	go test -run '^$' -bench Poll20000 -benchtime 200x ./collector/readiness
func BenchmarkPoll20000(b *testing.B) {
	now := at("08:10")
	e, _, ids, hand := benchBank(b, 20000, true, &now)
	b.ReportAllocs()
	b.ResetTimer()
	for k := range b.N {
		for j := range 20 {
			id := ids[(k*20+j)%len(ids)]
			now = now.Add(time.Millisecond)
			hand(id, sweepOf(id, now.Add(-time.Second), k+1), store.Contact{At: now})
		}
		e.lastFull = time.Time{}
		if err := e.shared(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := slices.Index(ids, e.Published().entries[0].status.ID); got != 0 {
		b.Fatal("the snapshot lost its first branch")
	}
}
