package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/config"
)

// dying is a store whose collector is SIGKILLed right after Slack accepted
// the first message of one op: that delivery is never recorded, and its
// row stays claimed until the lease runs out.
type dying struct {
	*memstore.Store
	op   notify.Op
	mu   sync.Mutex
	dead bool
}

var errKilled = errors.New("killed before the delivery was recorded")

func (s *dying) Delivered(ctx context.Context, seq int64, rc notify.Receipt, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return errKilled
	}
	rows, err := s.Sent(ctx, "inc-1")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Seq == seq && r.Message.Op == s.op {
			s.dead = true
			return errKilled
		}
	}
	return s.Store.Delivered(ctx, seq, rc, at)
}

// Record dies as Delivered does when the batch holds the row of that op:
// nothing of the batch is recorded.
func (s *dying) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return nil, nil, errKilled
	}
	rows, err := s.Sent(ctx, "inc-1")
	if err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		for _, r := range rows {
			if r.Seq == d.Seq && r.Message.Op == s.op {
				s.dead = true
				return nil, nil, errKilled
			}
		}
	}
	return s.Store.Record(ctx, ds, now, lease)
}

// deliverer runs a Deliverer with its own Slack client (a new process
// knows no channel ids) until the returned func stops it.
func deliverer(t *testing.T, st outbox.Store, fake *slacktest.Server) func() {
	n := slack.New(slack.Options{Token: config.Secret(token), APIURL: fake.URL, HTTPClient: fake.Client()})
	d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{slack.Name: n}}
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

func TestAMessageSlackTookBeforeTheCollectorDiedIsNotPostedAgain(t *testing.T) {
	for _, c := range []struct {
		name string
		op   notify.Op
	}{
		{"the incident's first message", notify.Post},
		{"a reply in its thread", notify.Reply},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := slacktest.New(slacktest.Options{Token: token})
				fake.ChannelID("#branch-other") // the new leader lists channels to find the id
				st := &dying{Store: memstore.New(), op: c.op}
				if err := st.Enqueue(context.Background(), conversation("inc-1", "#branch-paris", time.Now())); err != nil {
					t.Fatal(err)
				}
				stop := deliverer(t, st, fake)
				time.Sleep(10 * time.Second)
				synctest.Wait()
				stop()
				posts := fake.Requests("chat.postMessage")
				if !st.dead || posts == 0 {
					t.Fatalf("the first collector never reached the %s (%d posts)", c.op, posts)
				}

				// The next leader, once the dead one's claim has run out.
				time.Sleep(outbox.DefaultLease)
				st.mu.Lock()
				st.dead, st.op = false, ""
				st.mu.Unlock()
				stop = deliverer(t, st, fake)
				defer stop()
				drainStore(t, st.Store)

				if got := fake.Requests("chat.postMessage"); got != 3 {
					t.Errorf("Slack saw %d posts, want 3 (the post and two replies, none twice)", got)
				}
				msgs := fake.Messages("#branch-paris")
				checkConversation(t, msgs, "inc-1")
				var want string
				for _, m := range msgs {
					if (c.op == notify.Post) == (m.ThreadTS == "") && (c.op == notify.Post || m.Text == "inc-1 reminder") {
						want = m.TS
					}
				}
				for _, r := range mustSent(t, st.Store, "inc-1") {
					if r.Message.Event == eventOf(c.op) && (r.State != outbox.Delivered || r.Receipt.TS != want) {
						t.Errorf("the %s is %s with ts %q, want delivered with the ts Slack gave it (%q)", c.op, r.State, r.Receipt.TS, want)
					}
				}
			})
		})
	}
}

func TestAMessageClaimedByACollectorThatDiedBeforeSendingIsPostedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := slacktest.New(slacktest.Options{Token: token})
		fake.ChannelID("#branch-paris")
		st := memstore.New()
		if err := st.Enqueue(context.Background(), conversation("inc-1", "#branch-paris", time.Now())); err != nil {
			t.Fatal(err)
		}
		// Claimed, never sent: the lookup finds nothing.
		if _, err := st.Claim(context.Background(), time.Now(), 10, outbox.DefaultLease); err != nil {
			t.Fatal(err)
		}
		time.Sleep(outbox.DefaultLease)
		stop := deliverer(t, st, fake)
		defer stop()
		drainStore(t, st)
		if got := fake.Requests("conversations.history"); got == 0 {
			t.Error("the unsettled post was sent without looking for it first")
		}
		if got := fake.Requests("chat.postMessage"); got != 3 {
			t.Errorf("Slack saw %d posts, want 3", got)
		}
		checkConversation(t, fake.Messages("#branch-paris"), "inc-1")
	})
}

// eventOf is the event conversation gives the first message of an op.
func eventOf(op notify.Op) string {
	if op == notify.Reply {
		return "reminder"
	}
	return "opened"
}

// drainStore lets bubble time pass until nothing is pending, at most an hour.
func drainStore(t *testing.T, st outbox.Store) {
	t.Helper()
	for deadline := time.Now().Add(time.Hour); time.Now().Before(deadline); {
		time.Sleep(time.Second)
		synctest.Wait()
		if n, _, _ := st.Stats(context.Background(), time.Now()); n == 0 {
			return
		}
	}
	t.Fatal("notifications still pending after an hour")
}
