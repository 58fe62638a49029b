package readiness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// firstLedger is a ledger shared with other collectors that, as the
// PostgreSQL store does, tells which batch stored through it was the
// first results it had of its branch.
type firstLedger struct {
	*ledger
	mu     sync.Mutex
	firsts map[string]time.Time
}

// write stores a batch as ingest here does, noting whether it was the
// branch's first results.
func (f *firstLedger) write(id string, rs []result.Result, c store.Contact) bool {
	f.ledger.mu.Lock()
	first := len(f.ledger.results[id]) == 0 && len(rs) > 0
	f.ledger.mu.Unlock()
	fresh := f.ledger.write(id, rs, c)
	f.mu.Lock()
	defer f.mu.Unlock()
	if first {
		f.firsts[id] = c.At
	} else {
		delete(f.firsts, id)
	}
	return fresh
}

func (f *firstLedger) FirstBatch(branch string, at time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	got, ok := f.firsts[branch]
	delete(f.firsts, branch)
	return ok && got.Equal(at)
}

// A collector sharing its store with others judges a branch new to it from
// the store, once, unless the store vouches that the batch it just stored
// was the branch's first results: then from memory, as alone. A branch
// whose contact from another collector the directory has read is read
// from the store all the same, with that collector's results.
func TestAFirstBatchTheStoreVouchesForIsJudgedWithoutReadingTheStore(t *testing.T) {
	for _, c := range []struct {
		name      string
		vouch     bool
		elsewhere bool
		reads     bool
	}{
		{"on the store's word the first batches are judged from memory", true, false, false},
		{"without a store that tells, the branch is read from the store", false, false, true},
		{"a branch another collector wrote is read from the store, its results counted", true, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			now := at("08:10")
			d, cal := fixture(t)
			d.Calendar = cal.Spec()
			l := &firstLedger{ledger: newColdLedger(d, "man"), firsts: map[string]time.Time{}}
			clock := func() time.Time { return now }
			var st Reader = l.ledger
			if c.vouch {
				st = l
			}
			e := &Engine{Store: st, Now: clock, Poll: time.Hour, Branches: branchdir.New(branchdir.Options{Source: l.ledger, Now: clock})}
			e.running.Store(true)
			if err := e.shared(ctx); err != nil {
				t.Fatal(err)
			}
			if c.elsewhere {
				// Another collector stored a heartbeat of lon, which
				// the directory reads; the blank signage it reports
				// later comes in a batch that collector stored before
				// this one's, so that this one is not the first.
				l.ledger.write("lon", nil, store.Contact{At: at("08:09")})
				if err := e.Branches.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				l.ledger.write("lon", []result.Result{res("sign-01", "playlist", result.StatusFail, "08:08", "blank")},
					store.Contact{At: at("08:09")})
				l.mu.Lock()
				l.firsts["lon"] = at("08:11") // the store's word, wrong
				l.mu.Unlock()
			}
			for i, dev := range []string{"atm-01", "sign-01"} {
				now = now.Add(time.Minute)
				cn := store.Contact{At: now}
				rs := []result.Result{res(dev, checks[i].check, result.StatusOK, "08:06", "ok")}
				fresh := l.write("lon", rs, cn)
				if c.elsewhere && i == 0 {
					l.mu.Lock()
					l.firsts["lon"] = cn.At
					l.mu.Unlock()
				}
				e.Branches.Stored("lon", d, cn)
				e.Handed("lon", cn, rs, fresh)
				if err := e.shared(ctx); err != nil {
					t.Fatal(err)
				}
			}
			want := Ready
			if c.elsewhere {
				want = ReadyDegraded
			}
			if got := verdictOf(t, e, "lon").Judgement.Verdict; got != want {
				t.Errorf("lon is %s, want %s", got, want)
			}
			if n := l.readCount(); (n > 0) != c.reads {
				t.Errorf("%d result reads of lon, want reads %v", n, c.reads)
			}
		})
	}
}
