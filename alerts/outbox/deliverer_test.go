package outbox_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
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

const token = "xoxb-1-2-secret"

// recorder is Metrics that remembers.
type recorder struct {
	mu        sync.Mutex
	delivered []time.Duration
	failed    []string
}

func (r *recorder) Delivered(_ string, latency time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delivered = append(r.delivered, latency)
}

func (r *recorder) Failed(notifier, reason string, permanent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf("%s %s permanent=%v", notifier, reason, permanent))
}

func (r *recorder) Outbox(int, time.Duration) {}

// conversation is what the engine decides for one incident: the post, an
// acknowledgement edit, a reminder and the resolution in its thread.
func conversation(id, channel string, now time.Time) []notify.Message {
	m := func(op notify.Op, event string) notify.Message {
		return notify.Message{IncidentID: id, Notifier: slack.Name, Target: channel, Op: op, Event: event,
			Title: id, Text: id + " " + event, DecidedAt: now}
	}
	return []notify.Message{m(notify.Post, "opened"), m(notify.Update, "acknowledged"), m(notify.Reply, "reminder"), m(notify.Reply, "resolved")}
}

// harness runs a Deliverer over a memstore and a fake Slack inside the
// current synctest bubble.
type harness struct {
	store *memstore.Store
	fake  *slacktest.Server
	d     *outbox.Deliverer
	m     *recorder
	stop  func()
}

func start(t *testing.T, opts slacktest.Options, tok string) *harness {
	h := &harness{store: memstore.New(), fake: slacktest.New(opts), m: &recorder{}}
	n := slack.New(slack.Options{Token: config.Secret(tok), APIURL: h.fake.URL, HTTPClient: h.fake.Client()})
	h.d = &outbox.Deliverer{Store: h.store, Notifiers: map[string]notify.Notifier{slack.Name: n}, Metrics: h.m}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.d.Run(ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	return h
}

func (h *harness) enqueue(t *testing.T, ms []notify.Message) {
	t.Helper()
	if err := h.store.Enqueue(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	h.d.Kick()
}

// drain lets bubble time pass until nothing is pending, at most an hour.
func (h *harness) drain(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(time.Hour); time.Now().Before(deadline); {
		time.Sleep(time.Second)
		synctest.Wait()
		if n, _, _ := h.store.Stats(context.Background(), time.Now()); n == 0 {
			return
		}
	}
	n, _, _ := h.store.Stats(context.Background(), time.Now())
	t.Fatalf("%d notifications still pending after an hour", n)
}

func TestDeliveryThroughOutage(t *testing.T) {
	for _, c := range []struct {
		name   string
		faults func(t0 time.Time) []slacktest.Fault
	}{
		{"three 429s then two minutes of 500s", func(t0 time.Time) []slacktest.Fault {
			return []slacktest.Fault{{Method: "chat.postMessage", Status: 429, RetryAfter: 5 * time.Second, Count: 3},
				{Status: 500, Until: t0.Add(2 * time.Minute)}}
		}},
		{"ten minutes of 429 on every call", func(t0 time.Time) []slacktest.Fault {
			return []slacktest.Fault{{Status: 429, RetryAfter: 30 * time.Second, Until: t0.Add(10 * time.Minute)}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) { deliverThroughOutage(t, c.faults) })
	}
}

func deliverThroughOutage(t *testing.T, faults func(t0 time.Time) []slacktest.Fault) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		h := start(t, slacktest.Options{Token: token}, token)
		defer h.stop()
		for _, f := range faults(t0) {
			h.fake.Fail(f)
		}
		incidents := map[string]string{"inc-1": "#branch-paris", "inc-2": "#branch-paris", "inc-3": "#branch-lyon", "inc-4": "#ops"}
		for _, id := range slices.Sorted(maps.Keys(incidents)) {
			h.enqueue(t, conversation(id, incidents[id], t0))
		}
		h.drain(t)

		posted := 0
		for _, ch := range []string{"#branch-paris", "#branch-lyon", "#ops"} {
			msgs := h.fake.Messages(ch)
			posted += len(msgs)
			for i := 1; i < len(msgs); i++ {
				if gap := msgs[i].PostedAt.Sub(msgs[i-1].PostedAt); gap < time.Second {
					t.Errorf("%s: messages %d and %d only %v apart, want Slack's one per second", ch, i-1, i, gap)
				}
			}
		}
		if tries := h.fake.Requests("chat.postMessage"); tries <= posted {
			t.Errorf("%d calls for %d messages: the outage never happened", tries, posted)
		}
		if posted != 3*len(incidents) {
			t.Errorf("Slack holds %d messages, want %d (a post and two replies per incident, none twice)", posted, 3*len(incidents))
		}
		for id, ch := range incidents {
			checkConversation(t, h.fake.Messages(ch), id)
			for _, r := range mustSent(t, h.store, id) {
				if r.State != outbox.Delivered {
					t.Errorf("%s %s is %s (%s), want delivered", id, r.Message.Event, r.State, r.LastError)
				}
			}
		}
		if len(h.m.delivered) != 4*len(incidents) {
			t.Errorf("metrics counted %d deliveries, want %d", len(h.m.delivered), 4*len(incidents))
		}
		if !slices.Contains(h.m.failed, "slack rate_limited permanent=false") {
			t.Errorf("failures counted = %q, want rate_limited retries", h.m.failed)
		}
	})
}

// checkConversation requires one top-level message for the incident, edited
// once by its acknowledgement, with the reminder then the resolution in its
// thread.
func checkConversation(t *testing.T, msgs []slacktest.Message, id string) {
	t.Helper()
	var top *slacktest.Message
	var thread []string
	for i, m := range msgs {
		switch {
		case m.ThreadTS == "" && (m.Text == id+" opened" || m.Text == id+" acknowledged"):
			if top != nil {
				t.Errorf("%s posted twice", id)
			}
			top = &msgs[i]
		case top != nil && m.ThreadTS == top.TS:
			thread = append(thread, m.Text)
		}
	}
	if top == nil {
		t.Fatalf("%s never posted", id)
	}
	if want := []string{id + " acknowledged"}; !slices.Equal(top.Edits, want) {
		t.Errorf("%s edits = %q, want %q", id, top.Edits, want)
	}
	if want := []string{id + " reminder", id + " resolved"}; !slices.Equal(thread, want) {
		t.Errorf("%s thread = %q, want %q", id, thread, want)
	}
}

func mustSent(t *testing.T, s outbox.Store, id string) []outbox.Row {
	t.Helper()
	rows, err := s.Sent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
