package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
)

// instant is a notifier that takes every message at once and remembers
// them in order, per target.
type instant struct {
	mu   sync.Mutex
	n    int
	got  map[string][]string
	pace time.Duration // when set, it asks for that pace (see paced)
}

func (n *instant) Name() string { return "fake" }

func (n *instant) Notify(_ context.Context, _ notify.Receipt, m notify.Message) (notify.Receipt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.n++
	if n.got == nil {
		n.got = map[string][]string{}
	}
	n.got[m.Target] = append(n.got[m.Target], m.Text)
	return notify.Receipt{Channel: m.Target, TS: strconv.Itoa(n.n)}, nil
}

func (n *instant) sent(target string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got[target])
}

// paced is instant asking for a pace between messages to one target.
type paced struct{ *instant }

func (p paced) Pace() time.Duration { return p.pace }

// counting counts the claims and records asked of a memstore, and holds
// every Record while hold is set, until it is cleared.
type counting struct {
	*memstore.Store
	mu      sync.Mutex
	claims  int
	batches []int
	hold    chan struct{}
}

func (s *counting) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]outbox.Row, error) {
	s.mu.Lock()
	s.claims++
	s.mu.Unlock()
	return s.Store.Claim(ctx, now, n, lease)
}

func (s *counting) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	s.mu.Lock()
	s.batches = append(s.batches, len(ds))
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return s.Store.Record(ctx, ds, now, lease)
}

func (s *counting) counts() (claims int, batches []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims, slices.Clone(s.batches)
}

// talk is an incident's conversation on the fake notifier.
func talk(id, target string) []notify.Message {
	var out []notify.Message
	for i, op := range []notify.Op{notify.Post, notify.Update, notify.Reply, notify.Reply} {
		out = append(out, notify.Message{IncidentID: id, Notifier: "fake", Target: target, Op: op,
			Text: fmt.Sprintf("%s %d", id, i), DecidedAt: time.Now()})
	}
	return out
}

func runDeliverer(t *testing.T, d *outbox.Deliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func wantTalk(t *testing.T, n *instant, id, target string) {
	t.Helper()
	want := []string{id + " 0", id + " 1", id + " 2", id + " 3"}
	if got := n.sent(target); !slices.Equal(got, want) {
		t.Errorf("%s got %q, want %q", target, got, want)
	}
}

func TestAnIncidentsNextMessageComesFromTheRecordNotFromAClaimEach(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, n := &counting{Store: memstore.New()}, &instant{}
		for i := range 3 {
			if err := st.Enqueue(context.Background(), talk(fmt.Sprintf("inc-%d", i), fmt.Sprintf("#b%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": n}}
		stop := runDeliverer(t, d)
		synctest.Wait() // no bubble time passes: no poll
		stop()
		for i := range 3 {
			wantTalk(t, n, fmt.Sprintf("inc-%d", i), fmt.Sprintf("#b%d", i))
		}
		if claims, _ := st.counts(); claims != 1 {
			t.Errorf("%d claims for 12 messages, want the 1 at start", claims)
		}
	})
}

func TestDeliveriesAcceptedWhileOneIsRecordedAreRecordedTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hold := make(chan struct{})
		st, n := &counting{Store: memstore.New(), hold: hold}, &instant{}
		for i := range 10 {
			if err := st.Enqueue(context.Background(), talk(fmt.Sprintf("inc-%d", i), fmt.Sprintf("#b%d", i))[:1]); err != nil {
				t.Fatal(err)
			}
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": n}}
		stop := runDeliverer(t, d)
		synctest.Wait() // every post sent, the first record held
		st.mu.Lock()
		st.hold = nil
		st.mu.Unlock()
		close(hold)
		synctest.Wait()
		stop()
		_, batches := st.counts()
		if len(batches) != 2 || batches[0]+batches[1] != 10 {
			t.Errorf("records of %v deliveries, want 10 in two: the first, and all accepted while it was held", batches)
		}
		if pending, _, _ := st.Stats(context.Background(), time.Now()); pending != 0 {
			t.Errorf("%d rows pending, want every post recorded", pending)
		}
	})
}

func TestAMessageGivenBackForItsPaceIsSentWhenDueNotAtThePoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, n := memstore.New(), &instant{pace: time.Second}
		if err := st.Enqueue(context.Background(), talk("inc-1", "#b1")); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": paced{n}}, Poll: time.Hour}
		stop := runDeliverer(t, d)
		start := time.Now()
		for len(n.sent("#b1")) < 4 && time.Since(start) < 2*time.Hour {
			time.Sleep(100 * time.Millisecond)
		}
		took := time.Since(start)
		stop()
		wantTalk(t, n, "inc-1", "#b1")
		// Three paces of a second, not three polls of an hour.
		if took > time.Minute {
			t.Errorf("four messages paced a second apart took %v of bubble time", took)
		}
	})
}
