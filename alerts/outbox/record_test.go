package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
)

// instant is a notifier that takes every message at once and remembers
// them in order, per target; a message's receipt carries its text.
type instant struct {
	mu  sync.Mutex
	got map[string][]string
	// threads are the thread TSs the messages came with, per target.
	threads map[string][]string
	pace    time.Duration // when set, it asks for that pace (see paced)
}

func (n *instant) Name() string { return "fake" }

func (n *instant) Notify(_ context.Context, thread notify.Receipt, m notify.Message) (notify.Receipt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.got == nil {
		n.got, n.threads = map[string][]string{}, map[string][]string{}
	}
	n.got[m.Target] = append(n.got[m.Target], m.Text)
	n.threads[m.Target] = append(n.threads[m.Target], thread.TS)
	return notify.Receipt{Channel: m.Target, TS: m.Text}, nil
}

func (n *instant) sent(target string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got[target])
}

func (n *instant) threadsOf(target string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.threads[target])
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
	threads int
	release int
	batches []int
	hold    chan struct{}
}

func (s *counting) Thread(ctx context.Context, incident, notifier, target string) (notify.Receipt, error) {
	s.mu.Lock()
	s.threads++
	s.mu.Unlock()
	return s.Store.Thread(ctx, incident, notifier, target)
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

func (s *counting) Release(ctx context.Context, seq int64, notBefore time.Time) error {
	s.mu.Lock()
	s.release++
	s.mu.Unlock()
	return s.Store.Release(ctx, seq, notBefore)
}

func (s *counting) released() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release
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
		// The first record takes what was accepted when it started; all
		// the others were accepted while it was held, and go together.
		if total := sum(batches); len(batches) > 2 || total != 10 {
			t.Errorf("records of %v deliveries, want 10 in at most two", batches)
		}
		if pending, _, _ := st.Stats(context.Background(), time.Now()); pending != 0 {
			t.Errorf("%d rows pending, want every post recorded", pending)
		}
	})
}

func TestAMessageGivenBackForItsPaceIsSentWhenDueNotAtThePoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A pace longer than MaxHoldWait: each next message goes back
		// to the store until it is due.
		st, n := &counting{Store: memstore.New()}, &instant{pace: 10 * time.Second}
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
		// Three paces of ten seconds, not three polls of an hour.
		if took > time.Minute {
			t.Errorf("four messages paced ten seconds apart took %v of bubble time", took)
		}
		if released := st.released(); released != 3 {
			t.Errorf("%d rows released, want the 3 that waited for their pace", released)
		}
	})
}

func TestAMessageWaitingForAShortPaceWaitsHeldNotInTheStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, n := &counting{Store: memstore.New()}, &instant{pace: time.Second}
		if err := st.Enqueue(context.Background(), talk("inc-1", "#b1")); err != nil {
			t.Fatal(err)
		}
		// One worker: the waits must not hold it.
		if err := st.Enqueue(context.Background(), talk("inc-2", "#b2")); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": paced{n}}, Poll: time.Hour, Workers: 1}
		stop := runDeliverer(t, d)
		start := time.Now()
		for len(n.sent("#b1"))+len(n.sent("#b2")) < 8 && time.Since(start) < 2*time.Hour {
			time.Sleep(100 * time.Millisecond)
		}
		took := time.Since(start)
		stop()
		wantTalk(t, n, "inc-1", "#b1")
		wantTalk(t, n, "inc-2", "#b2")
		// Both channels at once, three paces of a second each.
		if took > 5*time.Second {
			t.Errorf("two channels of four messages paced a second apart took %v of bubble time", took)
		}
		claims, _ := st.counts()
		if released := st.released(); released != 0 || claims != 1 {
			t.Errorf("%d rows released and %d claims, want none released and the 1 claim at start", released, claims)
		}
	})
}

func TestAThreadIsReadFromTheStoreOnlyWhenThisDelivererDidNotRecordIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st, n := &counting{Store: memstore.New()}, &instant{}
		// inc-1's post was delivered by another collector, before.
		if err := st.Enqueue(ctx, talk("inc-1", "#b1")); err != nil {
			t.Fatal(err)
		}
		rows, err := st.Store.Claim(ctx, time.Now(), 1, time.Minute)
		if err != nil || len(rows) != 1 {
			t.Fatalf("Claim = %v, %v", rows, err)
		}
		if err := st.Delivered(ctx, rows[0].Seq, notify.Receipt{Channel: "#b1", TS: "100.1"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := st.Enqueue(ctx, talk("inc-2", "#b2")); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": n}}
		stop := runDeliverer(t, d)
		synctest.Wait()
		stop()
		if got, want := n.threadsOf("#b1"), []string{"100.1", "100.1", "100.1"}; !slices.Equal(got, want) {
			t.Errorf("inc-1 sent with threads %q, want %q (its post's)", got, want)
		}
		if got, want := n.threadsOf("#b2"), []string{"", "inc-2 0", "inc-2 0", "inc-2 0"}; !slices.Equal(got, want) {
			t.Errorf("inc-2 sent with threads %q, want %q (none for its post, then the post's)", got, want)
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.threads != 1 {
			t.Errorf("the store was asked for %d threads, want 1 (inc-1's, posted elsewhere)", st.threads)
		}
	})
}

func sum(ns []int) int {
	total := 0
	for _, n := range ns {
		total += n
	}
	return total
}

// slowly is a notifier that takes each message after the delay its target
// is given (bubble time), remembering nothing.
type slowly map[string]time.Duration

func (slowly) Name() string { return "fake" }

func (s slowly) Notify(_ context.Context, _ notify.Receipt, m notify.Message) (notify.Receipt, error) {
	time.Sleep(s[m.Target])
	return notify.Receipt{Channel: m.Target, TS: m.Text}, nil
}

func TestDeliveriesEndingApartWhileOthersAreInFlightAreRecordedTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, n := &counting{Store: memstore.New()}, slowly{}
		for i := range 5 {
			target := fmt.Sprintf("#b%d", i)
			n[target] = time.Duration(i) * 10 * time.Millisecond
			if err := st.Enqueue(context.Background(), talk(fmt.Sprintf("inc-%d", i), target)[:1]); err != nil {
				t.Fatal(err)
			}
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": n}}
		stop := runDeliverer(t, d)
		start := time.Now()
		for pending, _, _ := st.Stats(context.Background(), time.Now()); pending > 0 && time.Since(start) < time.Minute; pending, _, _ = st.Stats(context.Background(), time.Now()) {
			time.Sleep(time.Millisecond)
		}
		stop()
		// The posts end 10 ms apart, the first while four are still
		// being sent: one store call records them all.
		if _, batches := st.counts(); !slices.Equal(batches, []int{5}) {
			t.Errorf("records of %v deliveries, want the 5 in one", batches)
		}
	})
}

func TestADeliveryWithNoneOtherInFlightIsRecordedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, n := &counting{Store: memstore.New()}, &instant{}
		if err := st.Enqueue(context.Background(), talk("inc-1", "#b1")[:1]); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{"fake": n}}
		stop := runDeliverer(t, d)
		start := time.Now()
		synctest.Wait() // posted and recorded, or waiting
		_, batches := st.counts()
		if !slices.Equal(batches, []int{1}) || time.Since(start) != 0 {
			t.Errorf("records of %v deliveries after %v of bubble time, want the post's at once", batches, time.Since(start))
		}
		stop()
	})
}
