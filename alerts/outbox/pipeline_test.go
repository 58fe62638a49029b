package outbox_test

import (
	"context"
	"fmt"
	"net/http"
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

// slowSlack is a transport to the fake Slack that takes a second (of
// bubble time) per call and notes how many calls were in flight at most.
type slowSlack struct {
	next         http.RoundTripper
	mu           sync.Mutex
	now, maxSeen int
}

func (s *slowSlack) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.now++
	s.maxSeen = max(s.maxSeen, s.now)
	s.mu.Unlock()
	time.Sleep(time.Second)
	defer func() {
		s.mu.Lock()
		s.now--
		s.mu.Unlock()
	}()
	return s.next.RoundTrip(r)
}

func TestAWaveIsDeliveredManyChannelsAtOnceInOrderPerIncident(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const branches, workers = 40, 8
		fake := slacktest.New(slacktest.Options{Token: token})
		slow := &slowSlack{next: fake.Client().Transport}
		n := slack.New(slack.Options{Token: config.Secret(token), APIURL: fake.URL, HTTPClient: &http.Client{Transport: slow}})
		st := memstore.New()
		d := &outbox.Deliverer{Store: st, Notifiers: map[string]notify.Notifier{slack.Name: n}, Workers: workers}
		for i := range branches {
			if err := st.Enqueue(context.Background(), conversation(fmt.Sprintf("inc-%d", i), fmt.Sprintf("#branch-%d", i), time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- d.Run(ctx) }()
		start := time.Now()
		drainStore(t, st)
		took := time.Since(start)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}

		if slow.maxSeen != workers {
			t.Errorf("at most %d calls to Slack were in flight, want %d (Workers)", slow.maxSeen, workers)
		}
		// 160 calls of a second each, 8 at a time: about 20 s, not 160.
		if calls := 4 * branches; took > time.Duration(calls/workers+10)*time.Second {
			t.Errorf("delivering %d messages took %v of bubble time: not %d at once", calls, took, workers)
		}
		for i := range branches {
			checkConversation(t, fake.Messages(fmt.Sprintf("#branch-%d", i)), fmt.Sprintf("inc-%d", i))
		}
	})
}
