package outbox_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/memstore"
	"github.com/branchready/branchready/alerts/slack/slacktest"
)

func TestPermanentErrorStopsRetries(t *testing.T) {
	for _, c := range []struct {
		name      string
		opts      slacktest.Options
		tok       string
		reason    string
		okChannel bool // #ops works
	}{
		{"an unknown channel fails its rows once and spares the others", slacktest.Options{Token: token, Channels: []string{"ops"}}, token, "channel_not_found", true},
		{"a revoked token fails every row once", slacktest.Options{Token: "xoxb-new"}, token, "invalid_auth", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, c.opts, token)
				defer h.stop()
				var (
					mu       sync.Mutex
					problems []outbox.ConfigError
				)
				h.d.OnConfigError = func(ce outbox.ConfigError) {
					mu.Lock()
					defer mu.Unlock()
					problems = append(problems, ce)
				}
				h.enqueue(t, conversation("inc-1", "#nowhere", time.Now()))
				h.enqueue(t, conversation("inc-2", "#ops", time.Now()))
				h.drain(t)
				time.Sleep(time.Hour) // long enough for any retry to show
				synctest.Wait()

				for _, r := range mustSent(t, h.store, "inc-1") {
					if r.State != outbox.Failed || r.Attempts != 1 {
						t.Errorf("inc-1 %s: %s after %d attempts (%s), want failed after 1", r.Message.Event, r.State, r.Attempts, r.LastError)
					}
				}
				if want := 2 + 2*btoi(c.okChannel); h.fake.Requests("chat.postMessage") != want {
					t.Errorf("Slack saw %d posts, want %d: each row tried once, replies without a thread not at all", h.fake.Requests("chat.postMessage"), want)
				}
				if got := len(h.fake.Messages("#ops")); got != 3*btoi(c.okChannel) {
					t.Errorf("#ops holds %d messages, want %d", got, 3*btoi(c.okChannel))
				}
				mu.Lock()
				defer mu.Unlock()
				if len(problems) == 0 || problems[0].Reason != c.reason || problems[0].IncidentID == "" {
					t.Fatalf("configuration errors reported = %+v, want %s first", problems, c.reason)
				}
				if strings.Contains(problems[0].Error, token) {
					t.Errorf("reported error shows the token: %s", problems[0].Error)
				}
				if !slices.Contains(h.m.failed, "slack "+c.reason+" permanent=true") {
					t.Errorf("failures counted = %q, want %s permanent", h.m.failed, c.reason)
				}
				if p := h.d.Problems(); len(p) == 0 || p[0].Target != "#nowhere" && p[0].Target != "#ops" {
					t.Errorf("Problems() = %+v, want the failing route", p)
				}
			})
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRetryAfterIsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		h := start(t, slacktest.Options{}, token)
		defer h.stop()
		h.fake.Fail(slacktest.Fault{Status: 429, RetryAfter: 30 * time.Second, Count: 1})
		h.enqueue(t, conversation("inc-1", "#ops", t0)[:1])
		h.drain(t)
		msgs := h.fake.Messages("#ops")
		if len(msgs) != 1 {
			t.Fatalf("#ops holds %d messages, want 1", len(msgs))
		}
		if at := msgs[0].PostedAt.Sub(t0); at < 30*time.Second || at > 32*time.Second {
			t.Errorf("delivered %v after the 429, want just after its 30 s Retry-After", at)
		}
		if len(h.m.delivered) != 1 || h.m.delivered[0] != msgs[0].PostedAt.Sub(t0) {
			t.Errorf("latency observed = %v, want %v from decision to acceptance", h.m.delivered, msgs[0].PostedAt.Sub(t0))
		}
	})
}

// flaky fails every call with a retryable error without Retry-After.
type flaky struct{ calls []time.Time }

func (f *flaky) Name() string { return "webhook:flaky" }
func (f *flaky) Notify(context.Context, notify.Receipt, notify.Message) (notify.Receipt, error) {
	f.calls = append(f.calls, time.Now())
	return notify.Receipt{}, &notify.Error{Retryable: true, Reason: "server_error"}
}

func TestBackoffGrowsToItsCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &flaky{}
		s := memstore.New()
		d := &outbox.Deliverer{Store: s, Notifiers: map[string]notify.Notifier{f.Name(): f}, MinBackoff: time.Second, MaxBackoff: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		if err := s.Enqueue(ctx, []notify.Message{{IncidentID: "inc-1", Notifier: f.Name(), Target: "flaky", Op: notify.Post}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		cancel()
		<-done
		if len(f.calls) < 10 {
			t.Fatalf("%d attempts in an hour, want retries to continue", len(f.calls))
		}
		for i := 1; i < len(f.calls); i++ {
			gap := f.calls[i].Sub(f.calls[i-1])
			ceil := time.Minute
			if i < 8 {
				ceil = min(time.Second<<(i-1), ceil)
			}
			ceil += time.Second // the poll
			if gap < time.Second || gap > ceil {
				t.Errorf("attempt %d came %v after the previous, want within [1s, %v]", i+1, gap, ceil)
			}
		}
		if rows, _ := s.Sent(context.Background(), "inc-1"); rows[0].State != outbox.Pending || rows[0].Attempts != len(f.calls) {
			t.Errorf("row = %+v, want still pending after %d attempts", rows[0], len(f.calls))
		}
	})
}
