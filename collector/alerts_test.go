package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// clock runs at real speed from a time the test sets, so that retry waits
// pass while the test jumps to the moments it is about.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.offset = time.Until(t); c.mu.Unlock() }

var newYork, _ = time.LoadLocation("America/New_York")

// nyAt is a branch-local time on Thursday 2026-11-26 in New York.
func nyAt(hhmm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-26 "+hhmm, newYork)
	return t
}

const (
	alertBranch  = "nyc-001"
	alertToken   = "test-token-of-nyc-001-0123456789"
	slackSecret  = "signing-secret-for-tests"
	alertTimeout = 30 * time.Second
)

func alertDescriptor() *result.Descriptor {
	return &result.Descriptor{Name: "Fifth Avenue", Region: "east",
		Calendar: calendar.Spec{Timezone: "America/New_York", Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00",
			Thu: "09:00-17:00", Fri: "09:00-17:00"}},
		Devices: []result.Device{
			{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, TransactionsPerDay: 305, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
			{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, TransactionsPerDay: 305,
				Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp", Remedy: "Power-cycle the ATM from the rear switch."}}},
		}}
}

// alertCollector is a collector on SQLite with alerts routed to a fake Slack.
type alertCollector struct {
	url   string
	slack *slacktest.Server
	clock *clock
	svc   *alerting.Service
	seq   int
}

func startAlertCollector(t *testing.T, slackFake *slacktest.Server, dbPath string) *alertCollector {
	t.Helper()
	users, _ := auth.NewUsers(nil)
	return startAlertCollectorWith(t, slackFake, dbPath, users)
}

// startAlertCollectorWith is startAlertCollector with people who can log in.
func startAlertCollectorWith(t *testing.T, slackFake *slacktest.Server, dbPath string, users *auth.Users) *alertCollector {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, dbPath, log)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	clk.Set(nyAt("08:10"))
	tokens, _ := auth.NewTokens(map[string]string{alertBranch: auth.HashToken(alertToken)})
	cfg := alerting.Config{Config: alerts.Config{BaseURL: "https://board.example",
		Routing: alerts.Routing{
			Default:    []alerts.Target{{Notifier: "slack", Target: "#branches"}},
			Regions:    map[string][]alerts.Target{"east": {{Notifier: "slack", Target: "#east"}}},
			Operations: []alerts.Target{{Notifier: "slack", Target: "#ops"}},
		}}.WithDefaults(),
		Slack: alerting.SlackConfig{APIURL: slackFake.URL, TokenEnv: "SLACK_TOKEN", SigningSecretEnv: "SLACK_SIGNING"}}
	env := map[string]string{"SLACK_TOKEN": "xoxb-test", "SLACK_SIGNING": slackSecret}
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Now: clk.Now,
		Alerts: AlertOptions{Config: cfg, Getenv: func(k string) string { return env[k] }, Tick: 50 * time.Millisecond}})
	addr := serveAlerting(t, ctx, cancel, srv, st)
	return &alertCollector{url: "http://" + addr, slack: slackFake, clock: clk, svc: srv.alerts.svc}
}

// serveAlerting serves srv, which must run an alert engine, on a loopback
// port until the test ends, then stops it and closes its store; it returns
// the address.
func serveAlerting(t *testing.T, ctx context.Context, cancel context.CancelFunc, srv *Server, st interface{ Close() error }) string {
	t.Helper()
	if srv.alerts == nil {
		t.Fatal("the server has no alert engine")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
	})
	return ln.Addr().String()
}

// send posts one batch of results (agent time = the collector's clock).
func (c *alertCollector) send(t *testing.T, status map[string]result.Status) {
	t.Helper()
	now := c.clock.Now()
	b := result.Batch{Branch: alertBranch, Agent: result.Agent{Version: "test", ConfigHash: "h1", SentAt: now}, Descriptor: alertDescriptor()}
	for _, dev := range []string{"atm-01", "atm-02"} {
		c.seq++
		st := status[dev]
		if st == "" {
			st = result.StatusOK
		}
		reason := "answered in 3 ms"
		if st == result.StatusFail {
			reason = "cannot dispense: cassette jammed"
		}
		b.Results = append(b.Results, result.Result{ID: fmt.Sprintf("r-%04d", c.seq), Branch: alertBranch, Device: dev, Check: "reachable",
			Kind: "tcp", Status: st, StartedAt: now, Reason: reason, Sweep: "s", AgentVersion: "test"})
	}
	body, _ := json.Marshal(b)
	req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/results", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+alertToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("ingest answered %d: %s", resp.StatusCode, msg)
	}
}

// waitFor polls until cond holds; the generous deadline is for loaded machines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(alertTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *alertCollector) messages(channel string) []slacktest.Message {
	return c.slack.Messages(c.slack.ChannelID(channel))
}

func roots(ms []slacktest.Message) (out []slacktest.Message) {
	for _, m := range ms {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

func TestAFailingATMIsPostedAcknowledgedEscalatedAndResolvedInSlack(t *testing.T) {
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-test"})
	defer fake.Close()
	c := startAlertCollector(t, fake, filepath.Join(t.TempDir(), "c.db"))

	c.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	c.clock.Set(nyAt("08:15"))
	c.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	waitFor(t, "the incident's message in #branches", func() bool { return len(c.messages("#branches")) == 1 })
	first := c.messages("#branches")[0]
	for _, want := range []string{"atm-02", "cassette jammed", "customers an hour", "Power-cycle the ATM", "https://board.example/branches/nyc-001", "30 min left"} {
		if !strings.Contains(first.Text+string(first.Blocks), want) {
			t.Errorf("the first message lacks %q:\n%s", want, first.Text)
		}
	}

	incs, err := c.svc.Incidents(context.Background(), time.Time{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents %+v, %v; want one", incs, err)
	}
	id := incs[0].ID
	payload := slacktest.BlockActions(slack.ActionID("ack", 0), id, "U123", "lin.manager")
	code, err := slacktest.Press(context.Background(), http.DefaultClient, c.url+"/slack/interactions", slackSecret, c.clock.Now(), payload)
	if err != nil || code != http.StatusOK {
		t.Fatalf("pressing Acknowledge: %d, %v", code, err)
	}
	waitFor(t, "the message edited to say who acknowledged", func() bool {
		m := c.messages("#branches")[0]
		return len(m.Edits) > 0 && strings.Contains(m.Edits[len(m.Edits)-1]+string(m.Blocks), "lin.manager")
	})
	forged, _ := slacktest.Press(context.Background(), http.DefaultClient, c.url+"/slack/interactions", "wrong-secret", c.clock.Now(), payload)
	if forged != http.StatusUnauthorized {
		t.Errorf("a forged press answered %d, want 401", forged)
	}

	c.clock.Set(nyAt("08:31"))
	// The agent keeps sweeping every five minutes; atm-02 stays down.
	for _, at := range []string{"08:20", "08:25", "08:30"} {
		c.clock.Set(nyAt(at))
		c.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	}
	c.clock.Set(nyAt("08:31"))
	waitFor(t, "escalation to the region at T-15", func() bool { return len(roots(c.messages("#east"))) == 1 })
	for _, at := range []string{"08:35", "08:40", "08:44"} {
		c.clock.Set(nyAt(at))
		c.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	}
	c.clock.Set(nyAt("08:45"))
	waitFor(t, "escalation to operations at the deadline", func() bool { return len(roots(c.messages("#ops"))) == 1 })

	c.clock.Set(nyAt("08:50"))
	c.send(t, nil)
	c.clock.Set(nyAt("08:55"))
	c.send(t, nil)
	waitFor(t, "a resolved reply in the branch thread", func() bool {
		for _, m := range c.messages("#branches") {
			if m.ThreadTS == first.TS && strings.Contains(strings.ToLower(m.Text), "resolved") {
				return true
			}
		}
		return false
	})
	for _, ch := range []string{"#branches", "#east", "#ops"} {
		if n := len(roots(c.messages(ch))); n != 1 {
			t.Errorf("%s holds %d incident messages, want exactly 1", ch, n)
			for _, m := range roots(c.messages(ch)) {
				t.Logf("%s", m.Text)
			}
		}
	}
}

func TestASlackOutageLosesAndRepeatsNothing(t *testing.T) {
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-test"})
	defer fake.Close()
	fake.Fail(slacktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Count: 4})
	fake.Fail(slacktest.Fault{Status: http.StatusInternalServerError, Count: 2})
	c := startAlertCollector(t, fake, filepath.Join(t.TempDir(), "c.db"))
	c.send(t, map[string]result.Status{"atm-01": result.StatusFail, "atm-02": result.StatusFail})
	c.clock.Set(nyAt("08:15"))
	c.send(t, map[string]result.Status{"atm-01": result.StatusFail, "atm-02": result.StatusFail})
	waitFor(t, "both incidents posted after the outage", func() bool { return len(roots(c.messages("#branches"))) == 2 })
	c.clock.Set(nyAt("08:20"))
	c.send(t, nil)
	c.clock.Set(nyAt("08:25"))
	c.send(t, nil)
	waitFor(t, "both resolved in their threads", func() bool { return len(c.messages("#branches")) == 4 })
	got := map[string]int{}
	for _, m := range c.messages("#branches") {
		got[m.ThreadTS+" "+m.Text]++
	}
	for text, n := range got {
		if n != 1 {
			t.Errorf("sent %d times: %q", n, text)
		}
	}
}
