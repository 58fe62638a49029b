package collector

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/slack"
	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// gated leads through the store's real election only once opened, so that
// a test decides which collector follows.
type gated struct {
	leader.Elector
	open atomic.Bool
}

func (g *gated) TryLead(ctx context.Context) (leader.Lease, error) {
	if !g.open.Load() {
		return nil, nil
	}
	return g.Elector.TryLead(ctx)
}

// pgCollector is one of several collectors on one PostgreSQL database.
type pgCollector struct {
	url   string
	store *postgres.Store
	stop  func()
}

func startPGCollector(t *testing.T, dsn string, fake *slacktest.Server, clk *clock, e func(*postgres.Store) leader.Elector, wait time.Duration) *pgCollector {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	st, err := postgres.Open(ctx, dsn, log)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	users, _ := auth.NewUsers(map[string]string{"ops": string(h)})
	tokens, _ := auth.NewTokens(map[string]string{alertBranch: auth.HashToken(alertToken)})
	cfg := alerting.Config{Config: alerts.Config{Routing: alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#branches"}}}}.WithDefaults(),
		Slack: alerting.SlackConfig{APIURL: fake.URL, TokenEnv: "SLACK_TOKEN", SigningSecretEnv: "SLACK_SIGNING"}}
	env := map[string]string{"SLACK_TOKEN": "xoxb-test", "SLACK_SIGNING": slackSecret}
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Now: clk.Now, Elector: e(st), LeaderPoll: 50 * time.Millisecond,
		Alerts: AlertOptions{Config: cfg, Getenv: func(k string) string { return env[k] }, Tick: time.Hour, CommandWait: wait}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, ln)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			st.Close()
		}
	}
	t.Cleanup(stop)
	return &pgCollector{url: "http://" + ln.Addr().String(), store: st, stop: stop}
}

func (c *pgCollector) leads(t *testing.T) bool {
	return strings.Contains(fetchBody(t, c.url+"/-/ready"), "leader: true")
}

// act posts an incident change to the API as ops and returns the status.
func (c *pgCollector) act(t *testing.T, id, action, body, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/incidents/"+id+"/"+action, strings.NewReader(body))
	req.SetBasicAuth("ops", "pw")
	req.Header.Set("Idempotency-Key", key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	t.Logf("%s of %s on %s: %d %s", action, id, c.url, resp.StatusCode, msg)
	return resp.StatusCode
}

// incidentOf reads an incident as the store keeps it.
func incidentOf(t *testing.T, st store.Alerts, id string) alerts.Incident {
	t.Helper()
	rec, err := st.Incident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var inc alerts.Incident
	if err := json.Unmarshal(rec.Body, &inc); err != nil {
		t.Fatal(err)
	}
	return inc
}

// undeliveredOf counts an incident's notifications not yet delivered.
func undeliveredOf(t *testing.T, st store.Alerts, id string) int {
	t.Helper()
	rows, err := st.Sent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.State != "delivered" {
			n++
		}
	}
	return n
}

// Two (then three) collectors on one real PostgreSQL: acknowledging and
// snoozing on a follower take effect on the leader and edit the Slack
// message once each; a change asked while no collector leads is kept,
// answered 202, and applied once by the next leader.
func TestIncidentChangesOnAFollowerTakeEffectOnTheLeaderOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-test"})
	defer fake.Close()
	clk := &clock{}
	clk.Set(nyAt("08:10"))
	own := func(st *postgres.Store) leader.Elector { return st }
	a := startPGCollector(t, dsn, fake, clk, own, 30*time.Second)
	waitFor(t, "a leads", func() bool { return a.leads(t) })
	bGate := &gated{}
	b := startPGCollector(t, dsn, fake, clk, func(st *postgres.Store) leader.Elector { bGate.Elector = st; return bGate }, 30*time.Second)

	feeder := &alertCollector{url: a.url, slack: fake, clock: clk}
	feeder.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	clk.Set(nyAt("08:15"))
	feeder.send(t, map[string]result.Status{"atm-02": result.StatusFail})
	waitFor(t, "the incident's message in #branches", func() bool { return len(feeder.messages("#branches")) == 1 })
	incs, err := b.store.Incidents(context.Background(), time.Time{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents %+v, %v; want one", incs, err)
	}
	id := incs[0].ID
	edits := func() int { return len(feeder.messages("#branches")[0].Edits) }

	t.Run("an acknowledgement posted to the follower is applied by the leader and answered 200", func(t *testing.T) {
		if code := b.act(t, id, "ack", "", "ack-1"); code != http.StatusOK {
			t.Fatalf("ack on the follower answered %d, want 200", code)
		}
		if inc := incidentOf(t, b.store, id); !strings.Contains(inc.AckedBy, "ops") {
			t.Fatalf("after a 200 the stored incident is acked by %q, want ops", inc.AckedBy)
		}
		waitFor(t, "the Slack message edited", func() bool { return edits() >= 1 })
	})
	t.Run("a Slack button pressed on the follower is verified there and applied by the leader", func(t *testing.T) {
		payload := slacktest.BlockActions(slack.ActionID(notify.Snooze, 1), notify.ButtonValue(notify.Snooze, id, 30*time.Minute), "U123", "lin.manager")
		if code, _ := slacktest.Press(context.Background(), http.DefaultClient, b.url+"/slack/interactions", "wrong-secret", clk.Now(), payload); code != http.StatusUnauthorized {
			t.Errorf("a forged press on the follower answered %d, want 401", code)
		}
		code, err := slacktest.Press(context.Background(), http.DefaultClient, b.url+"/slack/interactions", slackSecret, clk.Now(), payload)
		if err != nil || code != http.StatusOK {
			t.Fatalf("pressing Snooze on the follower: %d, %v", code, err)
		}
		waitFor(t, "the incident snoozed by lin.manager", func() bool {
			return strings.Contains(incidentOf(t, b.store, id).SnoozedBy, "lin.manager")
		})
	})
	t.Run("a retried request with the same key changes nothing again", func(t *testing.T) {
		if code := b.act(t, id, "ack", "", "ack-1"); code != http.StatusOK {
			t.Fatalf("the retried ack answered %d, want 200", code)
		}
	})

	// The leader goes only once it delivered what it decided: a collector
	// stopped in the middle of a Slack call leaves that row to be retried
	// after its lease, which may edit the message twice (the outbox's
	// at-least-once), and this test counts edits.
	waitFor(t, "the ack and snooze edits delivered", func() bool { return undeliveredOf(t, a.store, id) == 0 })
	a.stop()
	c := startPGCollector(t, dsn, fake, clk, func(st *postgres.Store) leader.Elector { return &gated{Elector: st} }, 300*time.Millisecond)
	t.Run("with no collector leading, a change is kept and answered 202", func(t *testing.T) {
		if code := c.act(t, id, "unack", "", "unack-1"); code != http.StatusAccepted {
			t.Fatalf("unack with no leader answered %d, want 202", code)
		}
		cmd, err := c.store.Command(context.Background(), "http:ops:unack-1")
		if err != nil || cmd.State != store.CommandPending {
			t.Fatalf("the command is %+v, %v; want it pending", cmd, err)
		}
		if code := c.act(t, "inc-unknown", "ack", "", "ack-unknown"); code != http.StatusNotFound {
			t.Errorf("ack of an unknown incident with no leader answered %d, want 404 at once", code)
		}
	})
	bGate.open.Store(true)
	t.Run("the next leader applies the kept change once", func(t *testing.T) {
		waitFor(t, "b leads", func() bool { return b.leads(t) })
		waitFor(t, "the acknowledgement taken back", func() bool { return incidentOf(t, c.store, id).AckedBy == "" })
		waitFor(t, "every notification of the incident delivered", func() bool { return undeliveredOf(t, c.store, id) == 0 })
		// ack, snooze, unack: one edit each, none twice.
		if n := edits(); n != 3 {
			t.Errorf("the Slack message was edited %d times, want 3 (ack, snooze, unack once each)", n)
		}
		cmd, _ := c.store.Command(context.Background(), "http:ops:unack-1")
		if cmd.State != store.CommandApplied {
			t.Errorf("the kept command is %+v, want applied", cmd)
		}
		if code := c.act(t, id, "unack", "", "unack-1"); code != http.StatusOK {
			t.Errorf("asking the applied change again answered %d, want 200", code)
		}
	})
	t.Run("a silence made on a follower mutes the incident on the leader at once", func(t *testing.T) {
		// The leader ticks hourly here: only the follower's wake-up can
		// make the leader apply the silence within the wait.
		body := `{"matcher":{"branch":"` + alertBranch + `"},"end":"` + clk.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `","comment":"ATM vendor on site"}`
		req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/silences", strings.NewReader(body))
		req.SetBasicAuth("ops", "pw")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("creating a silence on the follower answered %d, want 201", resp.StatusCode)
		}
		waitFor(t, "the incident muted by the silence", func() bool { return incidentOf(t, c.store, id).MutedBy != "" })
	})
}
