package readiness

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// listingStore is a countingStore that lists contacts without descriptors,
// as the SQL stores do, and counts the descriptors it hands out (each one
// decoded from JSON in a real store).
type listingStore struct {
	countingStore
	decoded int
}

func (l *listingStore) BranchContacts(context.Context) ([]store.Branch, error) {
	b := l.branch
	b.Descriptor = nil
	return []store.Branch{b}, nil
}

func (l *listingStore) Branches(ctx context.Context) ([]store.Branch, error) {
	l.decoded++
	return l.countingStore.Branches(ctx)
}

func (l *listingStore) Branch(ctx context.Context, id string) (store.Branch, error) {
	l.decoded++
	return l.countingStore.Branch(ctx, id)
}

func TestABoardRefreshDecodesADescriptorOnlyWhenItsConfigChanges(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	st := &listingStore{countingStore: countingStore{branch: store.Branch{ID: "lon", Descriptor: d,
		Contact: store.Contact{At: at("08:10"), ConfigHash: "sha256:1"}}}}
	now := at("08:20")
	e := &Engine{Store: st, Now: func() time.Time { return now }}
	steps := []struct {
		name        string
		advance     func()
		wantDecoded int
		wantDevices int
	}{
		{"the first look decodes the descriptor", func() {}, 1, len(d.Devices)},
		{"the agent reporting again with the same config decodes nothing", func() {
			st.branch.Contact.At, now = at("08:15"), at("08:21")
		}, 0, len(d.Devices)},
		{"a new config hash decodes the new descriptor", func() {
			nd := *d
			nd.Devices = append(slices.Clip(d.Devices), result.Device{ID: "kiosk-01", Kind: "kiosk", Criticality: result.Blocking,
				Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
			st.branch.Descriptor = &nd
			st.branch.Contact = store.Contact{At: at("08:16"), ConfigHash: "sha256:2"}
		}, 1, len(d.Devices) + 1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.advance()
			before := st.decoded
			bs, err := e.All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := st.decoded - before; got != s.wantDecoded {
				t.Errorf("the board decoded %d descriptors, want %d", got, s.wantDecoded)
			}
			kiosk := slices.ContainsFunc(bs[0].Judgement.Problems, func(it Item) bool { return it.Device == "kiosk-01" })
			if want := s.wantDevices > len(d.Devices); kiosk != want {
				t.Errorf("the board lists the new kiosk (no result yet) as a problem: %v, want %v", kiosk, want)
			}
			one, err := e.One(context.Background(), "lon", "")
			if err != nil || len(one.Devices) != s.wantDevices {
				t.Errorf("the branch page shows %d devices (%v), want %d", len(one.Devices), err, s.wantDevices)
			}
		})
	}
}

// gatedStore holds every result read until gate is closed.
type gatedStore struct {
	countingStore
	mu   sync.Mutex
	gate chan struct{}
}

func (g *gatedStore) Results(ctx context.Context, b string, from, to time.Time) ([]result.Result, error) {
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.countingStore.Results(ctx, b, from, to)
}

func TestRequestsThatFindABranchBeingJudgedWaitForThatJudgement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, cal := fixture(t)
		d.Calendar = cal.Spec()
		st := &gatedStore{countingStore: countingStore{branch: store.Branch{ID: "lon", Descriptor: d, Contact: store.Contact{At: at("08:10")}},
			rs: []result.Result{res("atm-01", "reachable", result.StatusFail, "08:05", "down")}}, gate: make(chan struct{})}
		e := &Engine{Store: st, Now: func() time.Time { return at("08:20") }}
		// The metrics refresh at start-up, the first board request and a
		// branch page all arrive while nothing is judged yet.
		var wg sync.WaitGroup
		verdicts := make([]Verdict, 3)
		for i := range 3 {
			wg.Go(func() {
				var s BranchStatus
				var err error
				if i == 2 {
					s, err = e.One(context.Background(), "lon", "")
				} else {
					var bs []BranchStatus
					bs, err = e.All(context.Background())
					if err == nil {
						s = bs[0]
					}
				}
				if err != nil {
					t.Error(err)
				}
				verdicts[i] = s.Judgement.Verdict
			})
		}
		synctest.Wait() // one reads results, the others wait for it
		close(st.gate)
		wg.Wait()
		if st.reads != 1 {
			t.Errorf("the branch's results were read %d times, want once", st.reads)
		}
		for i, v := range verdicts {
			if v != NotReady {
				t.Errorf("request %d got %q, want not_ready", i, v)
			}
		}
	})
}

func TestADescriptorIngestHandsToTheSharedDirectoryIsNotReadFromTheStore(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	st := &listingStore{countingStore: countingStore{branch: store.Branch{ID: "lon", Descriptor: d,
		Contact: store.Contact{At: at("08:10"), ConfigHash: "sha256:1"}}}}
	now := at("08:20")
	dir := branchdir.New(branchdir.Options{Source: st, Now: func() time.Time { return now }, FullEvery: time.Hour})
	e := &Engine{Store: st, Now: func() time.Time { return now }, Branches: dir}
	if _, err := e.All(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := st.decoded
	nd := *d
	nd.Devices = append(slices.Clip(d.Devices), result.Device{ID: "kiosk-01", Kind: "kiosk", Criticality: result.Blocking,
		Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
	c := store.Contact{At: at("08:16"), ConfigHash: "sha256:2"}
	st.branch.Descriptor, st.branch.Contact = &nd, c // committed by ingest,
	dir.Stored("lon", &nd, c)                        // then handed over
	e.Invalidate("lon")
	one, err := e.One(context.Background(), "lon", "")
	if err != nil || len(one.Devices) != len(nd.Devices) || !one.Contact.At.Equal(c.At) {
		t.Errorf("the branch page shows %d devices and contact %v (%v), want %d and %v", len(one.Devices), one.Contact.At, err, len(nd.Devices), c.At)
	}
	bs, err := e.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(bs[0].Judgement.Problems, func(it Item) bool { return it.Device == "kiosk-01" }) {
		t.Errorf("the board does not list the new kiosk: %+v", bs[0].Judgement.Problems)
	}
	if st.decoded != before {
		t.Errorf("the store handed out %d descriptors, want none", st.decoded-before)
	}
}
