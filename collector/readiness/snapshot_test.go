package readiness

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// fleet is a store of several branches that reads results in bulk, safe
// for the background judge, counting what it reads.
type fleet struct {
	mu       sync.Mutex
	branches map[string]store.Branch
	results  map[string][]result.Result
	reads    int        // one-branch reads
	bulk     [][]string // the branches of each bulk read
	// contactReads counts reads of some branches' contacts by id.
	contactReads int
}

func newFleet(d *result.Descriptor, ids ...string) *fleet {
	f := &fleet{branches: map[string]store.Branch{}, results: map[string][]result.Result{}}
	for _, id := range ids {
		f.branches[id] = store.Branch{ID: id, Descriptor: d, Contact: store.Contact{At: at("08:10")}}
	}
	return f
}

func (f *fleet) Branches(context.Context) ([]store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := slices.Sorted(maps.Keys(f.branches))
	out := make([]store.Branch, len(ids))
	for i, id := range ids {
		out[i] = f.branches[id]
	}
	return out, nil
}

func (f *fleet) Branch(_ context.Context, id string) (store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.branches[id]
	if !ok {
		return b, store.ErrNotFound
	}
	return b, nil
}

func (f *fleet) ContactsOf(_ context.Context, ids []string) ([]store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Branch
	for _, id := range ids {
		if b, ok := f.branches[id]; ok {
			b.Descriptor = nil
			out = append(out, b)
		}
	}
	f.contactReads++
	return out, nil
}

func (f *fleet) Results(_ context.Context, id string, from, to time.Time) ([]result.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return inRange(f.results[id], from, to), nil
}

func (f *fleet) ResultsOf(_ context.Context, ids []string, from, to time.Time) (map[string][]result.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bulk = append(f.bulk, slices.Sorted(slices.Values(ids)))
	out := map[string][]result.Result{}
	for _, id := range ids {
		if rs := inRange(f.results[id], from, to); len(rs) > 0 {
			out[id] = rs
		}
	}
	return out, nil
}

// report stores a result for branch id and its contact at t, as ingest on
// this or another collector does.
func (f *fleet) report(id string, r result.Result, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.Branch = id
	f.results[id] = append(f.results[id], r)
	slices.SortFunc(f.results[id], func(a, b result.Result) int { return a.StartedAt.Compare(b.StartedAt) })
	b := f.branches[id]
	b.Contact.At = t
	f.branches[id] = b
}

func (f *fleet) counts() (reads int, bulk [][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads, slices.Clone(f.bulk)
}

// step names a step of a test in a synctest bubble, where t.Run cannot be.
func step(t *testing.T, name string, f func()) {
	t.Helper()
	t.Log(name)
	f()
}

func verdictOf(t testing.TB, e *Engine, id string) BranchStatus {
	t.Helper()
	snap := e.Published()
	if snap == nil {
		t.Fatal("no snapshot published")
	}
	for _, b := range snap.Select(nil, "", "").Match {
		if b.ID == id {
			return *b
		}
	}
	t.Fatalf("branch %s not in the snapshot", id)
	return BranchStatus{}
}

func TestTheBackgroundJudgeJudgesAgainOnlyTheBranchesThatChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, cal := fixture(t)
		d.Calendar = cal.Spec()
		st := newFleet(d, "lon", "man", "york")
		for _, id := range []string{"lon", "man", "york"} {
			st.report(id, res("atm-01", "reachable", result.StatusOK, "08:05", "ok"), at("08:10"))
			st.report(id, res("sign-01", "playlist", result.StatusOK, "08:05", "ok"), at("08:10"))
		}
		// The engine's clock is the bubble's, from 08:20 in London.
		start := time.Now()
		now := func() time.Time { return at("08:20").Add(time.Since(start)) }
		e := &Engine{Store: st, Now: now}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.Run(ctx, func(err error) { t.Error(err) })
		if _, err := e.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()

		step(t, "the first snapshot reads every branch's results in one query", func() {
			reads, bulk := st.counts()
			if reads != 0 || len(bulk) != 1 || !slices.Equal(bulk[0], []string{"lon", "man", "york"}) {
				t.Fatalf("%d single reads and bulk reads %v, want one bulk read of the three", reads, bulk)
			}
			if v := verdictOf(t, e, "man").Judgement.Verdict; v != Ready {
				t.Fatalf("man is %s, want ready", v)
			}
		})
		step(t, "the board, the list and a branch page read the snapshot without judging", func() {
			if _, err := e.All(ctx); err != nil {
				t.Fatal(err)
			}
			if s, err := e.One(ctx, "lon", ""); err != nil || s.Judgement.Verdict != Ready || len(s.Devices) != len(d.Devices) {
				t.Fatalf("branch page: %s with %d devices, %v", s.Judgement.Verdict, len(s.Devices), err)
			}
			if reads, bulk := st.counts(); reads != 0 || len(bulk) != 1 {
				t.Fatalf("requests read results: %d single reads, %d bulk", reads, len(bulk))
			}
		})
		step(t, "ingest invalidating a branch has it judged again, alone, with judged_at after its results were stored", func() {
			time.Sleep(time.Second)
			stored := now()
			st.report("man", res("atm-01", "reachable", result.StatusFail, "08:20", "down"), stored)
			e.Invalidate("man")
			synctest.Wait()
			_, bulk := st.counts()
			if last := bulk[len(bulk)-1]; len(bulk) != 2 || !slices.Equal(last, []string{"man"}) {
				t.Fatalf("bulk reads %v, want a second reading man alone", bulk)
			}
			st.mu.Lock()
			byID := st.contactReads
			st.mu.Unlock()
			if byID != 1 {
				t.Errorf("%d reads of contacts by id, want one: between polls only man's contact is read", byID)
			}
			s := verdictOf(t, e, "man")
			if s.Judgement.Verdict != NotReady || s.JudgedAt.Before(stored) {
				t.Fatalf("man is %s judged at %s, want not_ready judged at or after %s", s.Judgement.Verdict, s.JudgedAt, stored)
			}
			if other := verdictOf(t, e, "lon"); !other.JudgedAt.Before(stored) {
				t.Errorf("lon was judged again at %s without a change", other.JudgedAt)
			}
		})
		step(t, "a contact another collector stored is seen within the poll", func() {
			stored := now()
			st.report("york", res("sign-01", "playlist", result.StatusFail, "08:20", "black screen"), stored)
			time.Sleep(3 * time.Second)
			synctest.Wait()
			s := verdictOf(t, e, "york")
			if s.Judgement.Verdict != ReadyDegraded || s.JudgedAt.Before(stored) {
				t.Fatalf("york is %s judged at %s, want ready_degraded judged after %s", s.Judgement.Verdict, s.JudgedAt, stored)
			}
		})
		step(t, "the deadline passing makes every verdict final with no news", func() {
			time.Sleep(at("08:45").Sub(now()) + time.Second)
			synctest.Wait()
			for _, id := range []string{"lon", "man", "york"} {
				if s := verdictOf(t, e, id); !s.Judgement.Final {
					t.Errorf("%s is not final after the deadline: %+v", id, s.Judgement.State)
				}
			}
		})
		cancel()
		synctest.Wait()
	})
}

func TestJudgingInBulkEqualsJudgingEachBranchAlone(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	ny := *d
	ny.Calendar.Timezone = "America/New_York"
	st := newFleet(d, "lon", "man")
	st.branches["nyc"] = store.Branch{ID: "nyc", Descriptor: &ny, Contact: store.Contact{At: at("08:10")}}
	// A fast agent clock: its results were moved back before the window.
	skewed := st.branches["man"]
	skewed.Contact.ClockSkew = 90 * time.Minute
	st.branches["man"] = skewed
	early := res("atm-01", "reachable", result.StatusOK, "06:50", "ok")
	early.Sweep = result.NewSweepID("preopening", at("08:05"))
	st.results["man"] = []result.Result{early}
	st.results["lon"] = []result.Result{res("atm-01", "reachable", result.StatusFail, "07:00", "yesterday's night"),
		res("atm-01", "reachable", result.StatusOK, "08:05", "ok"), res("sign-01", "playlist", result.StatusFail, "08:06", "off")}
	now := func() time.Time { return at("08:20") }
	bulk := &Engine{Store: st, Now: now}
	alone := &Engine{Store: struct{ Reader }{st}, Now: now}
	got, err := bulk.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, err := alone.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// London's two branches share a read; New York's window opens hours later.
	if reads, b := st.counts(); reads != 3 || len(b) != 2 || !slices.Equal(b[0], []string{"lon", "man"}) {
		t.Fatalf("%d single reads and bulk reads %v, want 3 and [lon man] then [nyc]", reads, b)
	}
	for i := range want {
		if got[i].ID != want[i].ID || !equalJudgement(got[i].Judgement, want[i].Judgement) {
			t.Errorf("%s in bulk: %+v\nalone: %+v", got[i].ID, got[i].Judgement, want[i].Judgement)
		}
	}
	if got[0].Judgement.Verdict != ReadyDegraded {
		t.Errorf("lon is %s, want ready_degraded (its signage is off, its night failure out of the window)", got[0].Judgement.Verdict)
	}
	if got[1].Judgement.Verdict != ReadyDegraded {
		t.Errorf("man is %s, want ready_degraded (its sweep, moved back for its fast clock, counts)", got[1].Judgement.Verdict)
	}
}

func equalJudgement(a, b Judgement) bool {
	return a.Verdict == b.Verdict && a.Final == b.Final && len(a.Problems) == len(b.Problems) && a.Date == b.Date &&
		((a.ReadyAt == nil) == (b.ReadyAt == nil))
}

func TestAStripOfPastDaysGivesTheVerdictsOfEachDayJudgedAlone(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	st := newFleet(d, "lon")
	day := func(date, hhmm string) time.Time {
		loc, _ := time.LoadLocation("Europe/London")
		t, _ := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, loc)
		return t
	}
	put := func(date, hhmm, dev, check string, s result.Status) {
		r := result.Result{ID: date + hhmm + dev, Device: dev, Check: check, Status: s, StartedAt: day(date, hhmm), Reason: string(s)}
		st.report("lon", r, at("08:10"))
	}
	// Monday: ready by the deadline, failing after it (still ready: the
	// verdict is the deadline's); Friday: not ready; the weekend closed.
	put("2026-11-23", "08:05", "atm-01", "reachable", result.StatusOK)
	put("2026-11-23", "08:05", "sign-01", "playlist", result.StatusOK)
	put("2026-11-23", "10:00", "atm-01", "reachable", result.StatusFail)
	put("2026-11-20", "08:05", "atm-01", "reachable", result.StatusFail)
	e := &Engine{Store: st, Now: func() time.Time { return at("08:20") }}
	dates := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"}
	got, err := e.Verdicts(context.Background(), "lon", dates)
	if err != nil || len(got) != len(dates) {
		t.Fatalf("Verdicts: %v, %v", got, err)
	}
	for i, date := range dates {
		one, err := e.One(context.Background(), "lon", date)
		if err != nil {
			t.Fatal(err)
		}
		if got[i].Date != date || got[i].Verdict != one.Judgement.Verdict || got[i].Final != one.Judgement.Final {
			t.Errorf("%s: strip says %+v, the day alone %s final %v", date, got[i], one.Judgement.Verdict, one.Judgement.Final)
		}
	}
	if got[0].Verdict != NotReady || got[3].Verdict != Ready || got[1].Verdict != Closed {
		t.Errorf("strip %+v, want not ready, closed, closed, ready", got)
	}
}

// A snapshot that gains branches (their first reports) while others are
// judged again, some moving region, lists the branches exactly as one made
// from scratch.
func TestASnapshotThatGainsBranchesEqualsOneBuiltAfresh(t *testing.T) {
	nine := at("09:00")
	verdicts := append(slices.Clone(Attention), "strange")
	regions := []string{"", "north", "south", "east", "west"}
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 3))
		mk := func(id string) *entry {
			en := &entry{until: nine.Add(time.Duration(rnd.IntN(120)) * time.Minute)}
			en.status.ID, en.status.Region = id, regions[rnd.IntN(len(regions))]
			en.status.Judgement.Verdict = verdicts[rnd.IntN(len(verdicts))]
			return en
		}
		var waiting []string // ids not yet in the snapshot
		for i := range 300 {
			waiting = append(waiting, fmt.Sprintf("b%03d", i))
		}
		rnd.Shuffle(len(waiting), func(i, j int) { waiting[i], waiting[j] = waiting[j], waiting[i] })
		snap := newSnapshot(nil, nine)
		for step := range 30 {
			next := slices.Clone(snap.entries)
			var changed []int
			for range rnd.IntN(10) {
				if len(next) == 0 {
					break
				}
				i := rnd.IntN(len(next))
				if !slices.Contains(changed, i) {
					next[i] = mk(next[i].status.ID)
					changed = append(changed, i)
				}
			}
			var added []*entry
			for range rnd.IntN(25) {
				if len(waiting) > 0 {
					added = append(added, mk(waiting[0]))
					waiting = waiting[1:]
				}
			}
			got := snap.insert(next, changed, added, nine)
			want := newSnapshot(insertByID(slices.Clone(next), slices.Clone(added)), nine)
			if !slices.Equal(statusIDs(got.order), statusIDs(want.order)) || !maps.Equal(got.counts, want.counts) ||
				!slices.Equal(got.names, want.names) || !got.next.Equal(want.next) || len(got.regions) != len(want.regions) {
				t.Fatalf("seed %d step %d: the snapshot with branches added differs from one built afresh", seed, step)
			}
			for r, bs := range want.regions {
				if !slices.Equal(statusIDs(got.regions[r]), statusIDs(bs)) {
					t.Fatalf("seed %d step %d: region %s lists %v, want %v", seed, step, r, statusIDs(got.regions[r]), statusIDs(bs))
				}
			}
			snap = got
		}
	}
}

func statusIDs(bs []*BranchStatus) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}
