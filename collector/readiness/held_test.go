package readiness

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ledger is a store as ingest sees it: results keyed by id (a copy already
// stored keeps its version), read back in the store's order (event time,
// then id), and one contact per branch. It counts result reads.
type ledger struct {
	mu       sync.Mutex
	branches map[string]store.Branch
	results  map[string][]result.Result
	ids      map[string]bool
	reads    int
	listings int // Branches calls
	// during, when set, is called once in the middle of a bulk read, after
	// the store was read: a batch committed then.
	during func()
	// carried is the descriptor a batch brings to a branch without one
	// (an agent's first batch after a start carries it).
	carried *result.Descriptor
	// listed, when set, is called once after a listing of every branch
	// was taken: a batch committed then.
	listed func()
}

// newColdLedger is a store of branches imported but never heard from: no
// contact, no descriptor until the first batch brings d.
func newColdLedger(d *result.Descriptor, ids ...string) *ledger {
	l := &ledger{branches: map[string]store.Branch{}, results: map[string][]result.Result{}, ids: map[string]bool{}, carried: d}
	for _, id := range ids {
		l.branches[id] = store.Branch{ID: id}
	}
	return l
}

func newLedger(d *result.Descriptor, ids ...string) *ledger {
	l := &ledger{branches: map[string]store.Branch{}, results: map[string][]result.Result{}, ids: map[string]bool{}}
	for _, id := range ids {
		l.branches[id] = store.Branch{ID: id, Descriptor: d, Contact: store.Contact{At: at("07:00")}}
	}
	return l
}

// write stores a batch and the branch's contact, and says whether every
// result was new to the store.
func (l *ledger) write(id string, rs []result.Result, c store.Contact) (fresh bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fresh = true
	for _, r := range rs {
		if l.ids[r.ID] {
			fresh = false
			continue
		}
		l.ids[r.ID] = true
		r.Branch = id
		l.results[id] = append(l.results[id], r)
	}
	slices.SortFunc(l.results[id], byTimeID)
	b := l.branches[id]
	b.ID, b.Contact = id, c
	if b.Descriptor == nil {
		b.Descriptor = l.carried
	}
	l.branches[id] = b
	return fresh
}

func (l *ledger) Branches(context.Context) ([]store.Branch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listings++
	ids := slices.Sorted(maps.Keys(l.branches))
	out := make([]store.Branch, len(ids))
	for i, id := range ids {
		out[i] = l.branches[id]
	}
	if f := l.listed; f != nil {
		l.listed = nil
		l.mu.Unlock()
		f()
		l.mu.Lock()
	}
	return out, nil
}

func (l *ledger) Branch(_ context.Context, id string) (store.Branch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.branches[id]
	if !ok {
		return b, store.ErrNotFound
	}
	return b, nil
}

func (l *ledger) ContactsOf(_ context.Context, ids []string) ([]store.Branch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.Branch
	for _, id := range ids {
		if b, ok := l.branches[id]; ok {
			b.Descriptor = nil
			out = append(out, b)
		}
	}
	return out, nil
}

func (l *ledger) Results(_ context.Context, id string, from, to time.Time) ([]result.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	return slices.Clone(inRange(l.results[id], from, to)), nil
}

func (l *ledger) ResultsOf(_ context.Context, ids []string, from, to time.Time) (map[string][]result.Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	out := map[string][]result.Result{}
	for _, id := range ids {
		if rs := inRange(l.results[id], from, to); len(rs) > 0 {
			out[id] = slices.Clone(rs)
		}
	}
	if f := l.during; f != nil {
		l.during = nil
		l.mu.Unlock()
		f()
		l.mu.Lock()
	}
	return out, nil
}

func (l *ledger) readCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reads
}

// wave makes random batches for a few branches over two business days: out
// of order, retried (as sent, and with the time corrected by another
// skew), with sweeps, from agents with slow and fast clocks, some written
// by another collector.
type wave struct {
	rnd  *rand.Rand
	now  time.Time
	sent [][]result.Result
	ids  []string
}

var checks = []struct{ dev, check string }{{"atm-01", "reachable"}, {"sign-01", "playlist"}, {"clock", "ntp"}, {"atm-01", "retired"}}

func (w *wave) skew() time.Duration {
	return []time.Duration{0, 0, 0, 2 * time.Minute, -3 * time.Minute, -100 * time.Minute}[w.rnd.IntN(6)]
}

func (w *wave) batch(skew time.Duration) []result.Result {
	if len(w.sent) > 0 && w.rnd.IntN(6) == 0 {
		rs := slices.Clone(w.sent[w.rnd.IntN(len(w.sent))])
		if w.rnd.IntN(2) == 0 { // retried by an agent whose skew was measured anew
			for i := range rs {
				rs[i].StartedAt = rs[i].StartedAt.Add(time.Duration(w.rnd.IntN(5)+1) * time.Second)
			}
		}
		return rs
	}
	var rs []result.Result
	for range w.rnd.IntN(5) {
		c := checks[w.rnd.IntN(len(checks))]
		st := []result.Status{result.StatusOK, result.StatusOK, result.StatusFail, result.StatusDegraded}[w.rnd.IntN(4)]
		t := w.now.Add(-time.Duration(w.rnd.IntN(50)) * time.Minute).Truncate(time.Minute)
		r := result.Result{ID: fmt.Sprintf("r%06d", w.rnd.IntN(1_000_000)), Device: c.dev, Check: c.check, Status: st,
			StartedAt: t, Reason: string(st) + " at " + t.Format("15:04")}
		if w.rnd.IntN(3) == 0 {
			r.Sweep = result.NewSweepID("pre_opening", t.Add(-skew))
		}
		rs = append(rs, r)
	}
	w.sent = append(w.sent, rs)
	return rs
}

// The engine judges from the results ingest hands it and reads the store
// only when it must; whatever the order, retries and skew of a wave, each
// verdict it publishes is the one a judge reading the store at the same
// moment makes: with its own branch directory, with the one ingest tells
// (as the collector runs it), after a start on branches imported but
// never heard from (no contact, no descriptor), and on branches the store
// has no row of until their first batch.
func TestJudgingFromHeldResultsMatchesReadingTheStore(t *testing.T) {
	for _, mode := range []string{"own directory", "shared directory", "cold start", "first reports"} {
		seeds := uint64(12)
		if mode != "own directory" { // the same waves, fewer of them: the suite runs with -race
			seeds = 6
		}
		for seed := range seeds {
			name := fmt.Sprintf("with the %s and random wave %d the held and the stored judgements agree", mode, seed)
			switch mode {
			case "cold start":
				name = fmt.Sprintf("after a start before any report, with random wave %d the held and the stored judgements agree", seed)
			case "first reports":
				name = fmt.Sprintf("with branches the store first hears of in random wave %d the held and the stored judgements agree", seed)
			}
			t.Run(name, func(t *testing.T) { heldAgreesWithStore(t, seed, mode) })
		}
	}
}

func heldAgreesWithStore(t *testing.T, seed uint64, mode string) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	ids := []string{"b1", "b2", "b3", "b4"}
	l := newLedger(d, ids...)
	switch mode {
	case "cold start":
		l = newColdLedger(d, ids...)
	case "first reports": // imported elsewhere (the registry): no row until the first batch
		l = newColdLedger(d)
	}
	w := &wave{rnd: rand.New(rand.NewPCG(seed, 7)), now: at("07:30"), ids: ids}
	e := &Engine{Store: l, Now: func() time.Time { return w.now }, Poll: time.Hour}
	if mode != "own directory" {
		// Alone for branches first heard of: the other collector's
		// batches below are always listed before one here follows them.
		e.Branches = branchdir.New(branchdir.Options{Source: l, Now: func() time.Time { return w.now }, Alone: mode == "first reports"})
	}
	e.running.Store(true) // refreshed by hand below, as Run does
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	var mem, all int
	for n := range 160 {
		if n == 80 { // the next business day
			w.now = at("07:30").AddDate(0, 0, 1)
		}
		w.now = w.now.Add(time.Duration(w.rnd.IntN(240)+1) * time.Second)
		id := ids[w.rnd.IntN(len(ids))]
		c := store.Contact{At: w.now, ClockSkew: w.skew()}
		rs := w.batch(c.ClockSkew)
		other := w.rnd.IntN(8) == 0
		fresh := l.write(id, rs, c)
		switch {
		case other:
			// Another collector's batch is seen at the next listing
			// (see Recheck for one hidden by a later batch here).
			e.lastFull = time.Time{}
		case e.Branches != nil:
			b, _ := l.Branch(ctx, id)
			e.Branches.Stored(id, b.Descriptor, c)
			fallthrough
		default:
			e.Handed(id, c, rs, fresh)
		}
		if !other && w.rnd.IntN(3) == 0 {
			continue // several batches before the next refresh
		}
		before := l.readCount()
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
		all++
		if l.readCount() == before {
			mem++
		}
		compareWithStore(t, e, l, n)
	}
	if mem == 0 || mem == all {
		t.Errorf("%d of %d refreshes read nothing from the store: the test exercises only one path", mem, all)
	}
}

// compareWithStore checks every branch of e's snapshot against a judge that
// reads the store at the moment the branch was judged.
func compareWithStore(t *testing.T, e *Engine, l *ledger, step int) {
	t.Helper()
	for _, en := range e.Published().entries {
		got := en.status
		fresh := &Engine{Store: l, Now: func() time.Time { return got.JudgedAt }}
		b, err := l.Branch(context.Background(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.judge(context.Background(), b, fresh.describe(b, false), "", got.JudgedAt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Judgement, want.Judgement) || got.Contact != want.Contact {
			g, _ := json.Marshal(got)
			s, _ := json.Marshal(want)
			t.Fatalf("step %d: branch %s judged from memory\n%s\nfrom the store\n%s", step, got.ID, g, s)
		}
	}
}

// A wave judged from what ingest hands in reads the store once per branch,
// at the first look, and not again for its later batches.
func TestABatchHandedInIsJudgedWithoutReadingTheStore(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon", "man")
	now := at("08:10")
	e := &Engine{Store: l, Now: func() time.Time { return now }, Poll: time.Hour}
	e.running.Store(true)
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	reads := l.readCount()
	for i, dev := range []string{"atm-01", "sign-01"} {
		now = now.Add(time.Minute)
		c := store.Contact{At: now}
		rs := []result.Result{res(dev, checks[i].check, result.StatusOK, "08:05", "ok")}
		e.Handed("lon", c, rs, l.write("lon", rs, c))
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got != Ready {
		t.Errorf("lon is %s after both its checks passed, want ready", got)
	}
	if got := l.readCount(); got != reads {
		t.Errorf("%d result reads for two batches handed in, want none", got-reads)
	}
}

// Past the budget of held results, a branch is let go and judged from the
// store, with the same verdict; the count never goes negative or past it.
func TestPastTheHeldBudgetABranchIsJudgedFromTheStore(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon", "man")
	now := at("08:10")
	e := &Engine{Store: l, Now: func() time.Time { return now }, Poll: time.Hour, HeldBudget: 3}
	e.running.Store(true)
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	for i, dev := range []string{"atm-01", "sign-01", "atm-01", "sign-01"} {
		now = now.Add(time.Minute)
		c := store.Contact{At: now}
		rs := []result.Result{res(dev, checks[i%2].check, result.StatusOK, "08:0"+string(rune('1'+i)), "ok")}
		e.Handed("lon", c, rs, l.write("lon", rs, c))
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.Held(); n < 0 || n > 3 {
			t.Fatalf("after batch %d the engine holds %d results, want 0 to 3", i+1, n)
		}
	}
	reads := l.readCount()
	now = now.Add(time.Minute)
	c := store.Contact{At: now}
	rs := []result.Result{res("atm-01", checks[0].check, result.StatusOK, "08:09", "ok")}
	e.Handed("lon", c, rs, l.write("lon", rs, c))
	if err := e.shared(ctx); err != nil {
		t.Fatal(err)
	}
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got != Ready {
		t.Errorf("lon is %s after its checks passed, want ready", got)
	}
	if l.readCount() == reads {
		t.Error("a branch over the budget was judged without reading the store")
	}
}

// Batches that ingest commits while the engine reads a branch from the
// store count however the two interleave; a retried one has the branch read
// again, since the store may keep another version of its results.
func TestABatchStoredDuringARead(t *testing.T) {
	tests := []struct {
		name      string
		retry     bool
		wantReads int
	}{
		{name: "a batch committed after the read counts from memory", wantReads: 0, retry: false},
		{name: "a retried batch during the read has the branch read again", wantReads: 1, retry: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d, cal := fixture(t)
			d.Calendar = cal.Spec()
			l := newLedger(d, "lon")
			now := at("08:10")
			e := &Engine{Store: l, Now: func() time.Time { return now }, Poll: time.Hour}
			e.running.Store(true)
			first := []result.Result{res("atm-01", "reachable", result.StatusOK, "08:05", "ok")}
			l.write("lon", first, store.Contact{At: at("08:06")})
			l.during = func() {
				rs := []result.Result{res("sign-01", "playlist", result.StatusFail, "08:09", "blank")}
				if tc.retry {
					rs = append(rs, first...)
				}
				c := store.Contact{At: at("08:09")}
				e.Handed("lon", c, rs, l.write("lon", rs, c))
			}
			if err := e.shared(ctx); err != nil {
				t.Fatal(err)
			}
			reads := l.readCount()
			if err := e.shared(ctx); err != nil { // the batch handed in during the read
				t.Fatal(err)
			}
			got := verdictOf(t, e, "lon").Judgement
			if got.Verdict != ReadyDegraded || len(got.Problems) != 1 || got.Problems[0].Reason != "blank" {
				t.Errorf("lon judged %s with %+v, want ready_degraded for its blank signage", got.Verdict, got.Problems)
			}
			if n := l.readCount() - reads; n != tc.wantReads {
				t.Errorf("%d store reads after the read, want %d", n, tc.wantReads)
			}
		})
	}
}

// With several collectors, a batch another collector stored is hidden when
// a batch stored here replaces its contact before the engine lists the
// contacts; Recheck bounds how long it goes uncounted.
func TestRecheckCountsABatchAnotherCollectorStored(t *testing.T) {
	ctx := context.Background()
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	l := newLedger(d, "lon")
	now := at("08:10")
	e := &Engine{Store: l, Now: func() time.Time { return now }, Poll: time.Hour, Recheck: 10 * time.Minute}
	e.running.Store(true)
	hand := func(rs ...result.Result) {
		c := store.Contact{At: now}
		e.Handed("lon", c, rs, l.write("lon", rs, c))
		if err := e.shared(ctx); err != nil {
			t.Fatal(err)
		}
	}
	hand(res("atm-01", "reachable", result.StatusOK, "08:05", "ok"), res("sign-01", "playlist", result.StatusOK, "08:05", "ok"))
	now = at("08:11")
	l.write("lon", []result.Result{res("sign-01", "playlist", result.StatusFail, "08:11", "blank")}, store.Contact{At: now})
	now = at("08:12")
	hand(res("atm-01", "reachable", result.StatusOK, "08:12", "ok"))
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got != Ready {
		t.Fatalf("lon is %s: the batch of the other collector counted at once; this test no longer shows what Recheck is for", got)
	}
	now = at("08:33") // past twice Recheck
	hand(res("atm-01", "reachable", result.StatusOK, "08:33", "ok"))
	if got := verdictOf(t, e, "lon").Judgement.Verdict; got != ReadyDegraded {
		t.Errorf("lon is %s after Recheck, want ready_degraded for the blank signage another collector stored", got)
	}
}

// A snapshot made from the last one by judging some branches again lists
// the branches exactly as one made from scratch.
func TestAnUpdatedSnapshotEqualsOneBuiltAfresh(t *testing.T) {
	ids := func(bs []*BranchStatus) []string {
		out := make([]string, len(bs))
		for i, b := range bs {
			out[i] = b.ID
		}
		return out
	}
	verdicts := append(slices.Clone(Attention), "strange")
	nine := at("09:00")
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		mk := func(id string) *entry {
			en := &entry{until: nine.Add(time.Duration(rnd.IntN(120)) * time.Minute)}
			en.status.ID, en.status.Region = id, []string{"", "north", "south", "east"}[rnd.IntN(4)]
			en.status.Judgement.Verdict = verdicts[rnd.IntN(len(verdicts))]
			return en
		}
		var entries []*entry
		for i := range 200 {
			entries = append(entries, mk(fmt.Sprintf("b%03d", i)))
		}
		snap := newSnapshot(entries, nine)
		for step := range 20 {
			next := slices.Clone(snap.entries)
			var changed []int
			for range rnd.IntN(30) {
				i := rnd.IntN(len(next))
				en := mk(next[i].status.ID)
				if rnd.IntN(10) > 0 { // most keep their region
					en.status.Region = next[i].status.Region
				}
				next[i] = en
				if !slices.Contains(changed, i) {
					changed = append(changed, i)
				}
			}
			got, want := snap.update(next, changed, nine), newSnapshot(next, nine)
			if !slices.Equal(ids(got.order), ids(want.order)) || !maps.Equal(got.counts, want.counts) ||
				!slices.Equal(got.names, want.names) || !got.next.Equal(want.next) || len(got.regions) != len(want.regions) {
				t.Fatalf("seed %d step %d: the updated snapshot differs from one built afresh", seed, step)
			}
			for r, bs := range want.regions {
				if !slices.Equal(ids(got.regions[r]), ids(bs)) {
					t.Fatalf("seed %d step %d: region %s lists %v, want %v", seed, step, r, ids(got.regions[r]), ids(bs))
				}
			}
			snap = got
		}
	}
}
