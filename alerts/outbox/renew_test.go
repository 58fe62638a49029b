package outbox_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
)

// stuck is a notifier whose calls hang until their context ends; it notes
// each call's deadline and how many calls it got.
type stuck struct {
	mu        sync.Mutex
	calls     int
	deadlines []time.Time
}

func (*stuck) Name() string { return "stuck" }

func (s *stuck) Notify(ctx context.Context, _ notify.Receipt, _ notify.Message) (notify.Receipt, error) {
	dl, _ := ctx.Deadline()
	s.mu.Lock()
	s.calls++
	s.deadlines = append(s.deadlines, dl)
	s.mu.Unlock()
	<-ctx.Done()
	return notify.Receipt{}, &notify.Error{Retryable: true, Reason: "timeout", Err: ctx.Err()}
}

func (s *stuck) got() (int, []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, append([]time.Time(nil), s.deadlines...)
}

// runStuck runs a Deliverer with a stuck notifier over st, one call at a
// time, until the returned func stops it.
func runStuck(t *testing.T, st outbox.Store, n *stuck, lease, timeout time.Duration) (*outbox.Deliverer, func()) {
	d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"stuck": n}, Lease: lease, Timeout: timeout,
		MinBackoff: time.Hour, MaxBackoff: time.Hour, Poll: time.Hour, Workers: 1}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	return d, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func stuckMessage(incident string, at time.Time) notify.Message {
	return notify.Message{IncidentID: incident, Notifier: "stuck", Target: "#" + incident, Op: notify.Post,
		Event: "opened", Title: incident, DecidedAt: at}
}

func TestClaimsAreShortRenewedAndFenced(t *testing.T) {
	const lease = 20 * time.Second
	t.Run("a call ends before the claim it runs under, less the margin, however long the notifier's timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, n := memstore.New(), &stuck{}
			if err := st.Enqueue(context.Background(), []notify.Message{stuckMessage("inc-1", time.Now())}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, stop := runStuck(t, st, n, lease, time.Hour)
			defer stop()
			time.Sleep(time.Second)
			synctest.Wait()
			calls, deadlines := n.got()
			if calls != 1 {
				t.Fatalf("%d calls, want 1", calls)
			}
			if latest := start.Add(lease - lease/8); deadlines[0].After(latest) {
				t.Errorf("call deadline %v after the claim, want by %v (claim end less lease/8)", deadlines[0].Sub(start), latest.Sub(start))
			}
		})
	})
	t.Run("rows a live deliverer holds stay its own past their first lease", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, n := memstore.New(), &stuck{}
			// One worker: the second incident waits behind the first's
			// hanging call, held, for most of a lease, then hangs too.
			now := time.Now()
			if err := st.Enqueue(context.Background(), []notify.Message{stuckMessage("inc-1", now), stuckMessage("inc-2", now)}); err != nil {
				t.Fatal(err)
			}
			_, stop := runStuck(t, st, n, lease, time.Hour)
			defer stop()
			for range 3 {
				time.Sleep(lease)
				synctest.Wait()
				// Another deliverer (a collector that believes the first
				// dead) finds nothing to claim.
				rows, err := st.Claim(context.Background(), time.Now(), 10, lease)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					if r.Message.IncidentID == "inc-2" {
						t.Fatalf("inc-2 claimed by another deliverer %v after the first claimed it", time.Since(now))
					}
				}
			}
		})
	})
	t.Run("rows of a deliverer that died come back within a lease", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, n := memstore.New(), &stuck{}
			now := time.Now()
			if err := st.Enqueue(context.Background(), []notify.Message{stuckMessage("inc-1", now), stuckMessage("inc-2", now)}); err != nil {
				t.Fatal(err)
			}
			dead := &dyingStore{Store: st}
			_, stop := runStuck(t, dead, n, lease, time.Hour)
			defer stop()
			time.Sleep(time.Second)
			synctest.Wait()
			dead.die()
			diedAt := time.Now()
			for time.Since(diedAt) <= lease {
				rows, err := st.Claim(context.Background(), time.Now(), 10, lease)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 2 {
					for _, r := range rows {
						if !r.Unsettled {
							t.Errorf("%s came back settled, want unsettled (looked up before it is sent)", r.Message.IncidentID)
						}
					}
					return
				}
				time.Sleep(time.Second)
				synctest.Wait()
			}
			t.Fatalf("the dead deliverer's rows were not claimable %v after it died", lease)
		})
	})
	t.Run("a row offered with a claim about to end is renewed, then sent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, n := memstore.New(), &stuck{}
			d, stop := runStuck(t, st, n, lease, time.Hour)
			defer stop()
			synctest.Wait() // Run is running
			if err := st.Enqueue(context.Background(), []notify.Message{stuckMessage("inc-1", time.Now())}); err != nil {
				t.Fatal(err)
			}
			// Claimed for less than twice the margin, as by an engine
			// whose claim took seconds to commit.
			short := lease/4 - time.Millisecond
			rows, err := st.Claim(context.Background(), time.Now(), 10, short)
			if err != nil || len(rows) != 1 {
				t.Fatalf("Claim = %d rows, %v", len(rows), err)
			}
			if !d.Offer(rows) {
				t.Fatal("Offer refused while Run runs")
			}
			time.Sleep(time.Second)
			synctest.Wait()
			calls, deadlines := n.got()
			if calls != 1 {
				t.Fatalf("%d calls, want 1 (under the renewed claim)", calls)
			}
			if !deadlines[0].After(rows[0].ClaimedUntil) {
				t.Errorf("call deadline %v, want after the first claim's end %v (renewed first)", deadlines[0], rows[0].ClaimedUntil)
			}
		})
	})
	t.Run("a row whose claim another deliverer took meanwhile is not sent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st, n := memstore.New(), &stuck{}
			d, stop := runStuck(t, st, n, lease, time.Hour)
			defer stop()
			synctest.Wait() // Run is running
			if err := st.Enqueue(context.Background(), []notify.Message{stuckMessage("inc-1", time.Now())}); err != nil {
				t.Fatal(err)
			}
			stale, err := st.Claim(context.Background(), time.Now(), 10, time.Second)
			if err != nil || len(stale) != 1 {
				t.Fatalf("Claim = %d rows, %v", len(stale), err)
			}
			time.Sleep(time.Second)
			if other, err := st.Claim(context.Background(), time.Now(), 10, time.Hour); err != nil || len(other) != 1 {
				t.Fatalf("the other deliverer's Claim = %d rows, %v", len(other), err)
			}
			if !d.Offer(stale) {
				t.Fatal("Offer refused while Run runs")
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if calls, _ := n.got(); calls != 0 {
				t.Errorf("%d calls under a claim another deliverer holds, want none", calls)
			}
		})
	})
}

// dyingStore stops answering (as a SIGKILLed collector does) once die is
// called: claims, renewals and outcomes fail.
type dyingStore struct {
	*memstore.Store
	mu   sync.Mutex
	dead bool
}

func (s *dyingStore) die() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = true
}

func (s *dyingStore) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

func (s *dyingStore) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]outbox.Row, error) {
	if s.isDead() {
		return nil, errKilled
	}
	return s.Store.Claim(ctx, now, n, lease)
}

func (s *dyingStore) Renew(ctx context.Context, claims []outbox.Claim, until time.Time) ([]int64, error) {
	if s.isDead() {
		return nil, errKilled
	}
	return s.Store.Renew(ctx, claims, until)
}

func (s *dyingStore) Retry(ctx context.Context, seq int64, errText string, notBefore time.Time) error {
	if s.isDead() {
		return errKilled
	}
	return s.Store.Retry(ctx, seq, errText, notBefore)
}

func (s *dyingStore) Release(ctx context.Context, seq int64, notBefore time.Time) error {
	if s.isDead() {
		return errKilled
	}
	return s.Store.Release(ctx, seq, notBefore)
}
