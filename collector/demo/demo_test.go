package demo

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/slack/slacktest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The README's first command: the demo shows every branch's readiness,
// with the failing device and the reason, and staff confirmations count.
func TestDemoShowsEveryVerdict(t *testing.T) {
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", Out: out, LogOut: io.Discard, ConfirmAfter: 3 * time.Second})
	}()
	want := []string{
		"login: admin  password: ",
		"lon-bank-street    Europe/London",
		"nyc-fifth-avenue   America/New_York",
		"NOT_READY — atm-02/reachable: cannot connect to",
		"tyo-ginza          Asia/Tokyo",
		"READY_DEGRADED",
		"lobby-screen/player:",
		"syd-george-street  Australia/Sydney",
		"banking-pc-1/online-banking:",
		"lax-downtown       America/Los_Angeles closed today (Demo public holiday)",
		"ber-mitte: Jonas Weber (lobby manager) confirmed the feedback book is in place",
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(90 * time.Second)
	for missing := want; len(missing) > 0; {
		select {
		case err := <-done:
			t.Fatalf("demo stopped early: %v\n%s", err, out)
		case <-limit:
			t.Fatalf("demo output lacks %q:\n%s", missing[0], out)
		case <-tick.C:
		}
		s := out.String()
		var still []string
		for _, w := range missing {
			if !strings.Contains(s, w) {
				still = append(still, w)
			}
		}
		missing = still
	}
	// After the confirmation, Berlin's next sweep finds the book in place.
	berlinReady := func() bool {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "ber-mitte ") && strings.Contains(l, ": READY") {
				return true
			}
		}
		return false
	}
	for !berlinReady() {
		select {
		case <-limit:
			t.Fatalf("Berlin never became ready after the confirmation:\n%s", out)
		case <-tick.C:
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// With --slack-api-url the demo delivers its incidents to that Slack: New
// York's ATM that refuses connections reaches the branch's own channel
// with what is wrong, what it costs and what to do.
func TestDemoDeliversItsAlertsToSlack(t *testing.T) {
	fake := slacktest.Start(slacktest.Options{})
	defer fake.Close()
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", Out: out, LogOut: io.Discard, SlackAPIURL: fake.URL, SlackSigningSecret: "s3cret"})
	}()
	limit := time.After(90 * time.Second)
	for {
		ms := fake.Messages(fake.ChannelID("#demo-nyc-fifth-avenue"))
		if len(ms) > 0 {
			text := ms[0].Text
			for _, want := range []string{"atm-02", "customers an hour", "Power-cycle the ATM", "/branches/nyc-fifth-avenue"} {
				if !strings.Contains(text, want) {
					t.Errorf("the demo's first message lacks %q:\n%s", want, text)
				}
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo stopped early: %v\n%s", err, out)
		case <-limit:
			t.Fatalf("no message reached #demo-nyc-fifth-avenue\n%s", out)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !strings.Contains(out.String(), "#demo-nyc-fifth-avenue") {
		t.Errorf("the banner does not name the branch channels:\n%s", out)
	}
	cancel()
	<-done
}
