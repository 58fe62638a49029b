package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

const (
	branches = 6
	rounds   = 8
)

func branchID(i int) string { return fmt.Sprintf("br-%03d", i) }
func tokenOf(i int) string  { return fmt.Sprintf("failover-token-%03d-0123456789abcdef", i) }

// failing says which branches' atm-02 fails throughout: each is one
// incident and so exactly one message in Slack.
func failing(i int) bool { return i%2 == 0 }

// Three collectors on one PostgreSQL; results go to them in turn, as a
// round-robin load balancer sends them, and the leader is killed with
// SIGKILL in the middle of the wave while Slack is failing, so that
// decided notifications wait in the outbox. At the end every acknowledged
// result is stored once and every incident was posted to Slack once, by
// the collector that took over.
func TestKillingTheLeaderMidWaveLosesNothingAndSendsNothingTwice(t *testing.T) {
	c := startCluster(t, 3, branches)
	c.slack.Fail(slacktest.Fault{Method: "chat.postMessage", Status: http.StatusInternalServerError})
	first := c.leader(t)

	acked := map[string]bool{}
	next := 0
	for round := range rounds {
		if round == rounds/2 {
			first.kill(t)
		}
		for i := range branches {
			for _, id := range shipRoundRobin(t, c.cs, &next, batchOf(i, round), tokenOf(i), c.logs) {
				acked[id] = true
			}
		}
	}
	second := c.leader(t)
	c.slack.Heal()
	c.checkEverythingOnce(t, acked, branches*rounds*2)
	t.Run("the leaders said so in their logs", func(t *testing.T) {
		for _, l := range []*collector{first, second} {
			if !strings.Contains(l.logs.String(), "leadership gained") {
				t.Errorf("%s led but did not log it", l.name)
			}
		}
	})
}

// checkEverythingOnce waits until every failing branch's incident is in
// Slack and the outbox is empty, then checks that each of the want
// acknowledged results is stored exactly once and that each incident
// reached Slack exactly once (and no branch that was fine did).
func (c *cluster) checkEverythingOnce(t *testing.T, acked map[string]bool, want int) {
	t.Helper()
	incidents := 0
	for i := range branches {
		if failing(i) {
			incidents++
		}
	}
	waitFor(t, fmt.Sprintf("%d incident messages in Slack and an empty outbox", incidents), c.logs, func() bool {
		return len(roots(c.slack.Messages(c.slack.ChannelID("#branches")))) >= incidents && undelivered(t, c.dsn) == 0
	})
	t.Run("every acknowledged result is stored exactly once", func(t *testing.T) {
		stored := storedIDs(t, c.dsn)
		for id := range acked {
			if stored[id] != 1 {
				t.Errorf("result %s acknowledged, stored %d times", id, stored[id])
			}
		}
		if len(acked) != want {
			t.Errorf("%d results acknowledged, want %d", len(acked), want)
		}
	})
	t.Run("every incident reached Slack exactly once", func(t *testing.T) {
		posted := c.posted()
		for i := range branches {
			n, b := posted[branchID(i)], branchID(i)
			switch {
			case failing(i) && n != 1:
				t.Errorf("%s's failing ATM was posted %d times, want once", b, n)
			case !failing(i) && n != 0:
				t.Errorf("%s is fine but was posted %d times", b, n)
			}
		}
	})
}

// batchOf is branch i's sweep number round: atm-01 passes, atm-02 fails
// where failing(i).
func batchOf(i, round int) result.Batch {
	now := time.Now()
	b := result.Batch{Branch: branchID(i), Agent: result.Agent{Version: "test", ConfigHash: "h", SentAt: now},
		Descriptor: &result.Descriptor{Name: "Branch " + branchID(i), Region: "east",
			Devices: []result.Device{
				{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
				{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
			}}}
	b.Descriptor.Calendar.Timezone = "UTC"
	for _, dev := range []string{"atm-01", "atm-02"} {
		st, reason := result.StatusOK, "answered in 3 ms"
		if dev == "atm-02" && failing(i) {
			st, reason = result.StatusFail, "cannot connect: connection refused"
		}
		b.Results = append(b.Results, result.Result{ID: fmt.Sprintf("%s-%s-%02d", branchID(i), dev, round), Branch: branchID(i),
			Device: dev, Check: "reachable", Kind: "tcp", Status: st, StartedAt: now, Reason: reason, Sweep: fmt.Sprint(round), AgentVersion: "test"})
	}
	return b
}

// shipRoundRobin posts b to the next collector in turn, moving on to the
// next one when a collector does not answer, as an agent behind a
// round-robin load balancer retries; it returns the acknowledged ids.
func shipRoundRobin(t *testing.T, cs []*collector, next *int, b result.Batch, token string, logs func() string) []string {
	t.Helper()
	ids, err := postRoundRobin(cs, next, b, token)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs())
	}
	return ids
}

// postRoundRobin is shipRoundRobin for any goroutine: it returns an
// error where shipRoundRobin fails the test.
func postRoundRobin(cs []*collector, next *int, b result.Batch, token string) ([]string, error) {
	body, _ := json.Marshal(b)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		c := cs[*next%len(cs)]
		*next++
		req, _ := http.NewRequest(http.MethodPost, "http://"+c.addr+"/api/v1/results", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			ids := make([]string, len(b.Results))
			for i, r := range b.Results {
				ids[i] = r.ID
			}
			return ids, nil
		}
	}
	return nil, fmt.Errorf("no collector accepted %s's batch", b.Branch)
}

func roots(ms []slacktest.Message) (out []slacktest.Message) {
	for _, m := range ms {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

func query(t *testing.T, dsn string, f func(conn *pgx.Conn) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := f(conn); err != nil {
		t.Fatal(err)
	}
}

// undelivered counts outbox rows not yet delivered.
func undelivered(t *testing.T, dsn string) (n int) {
	query(t, dsn, func(conn *pgx.Conn) error {
		return conn.QueryRow(context.Background(), "SELECT count(*) FROM outbox WHERE state <> 'delivered'").Scan(&n)
	})
	return n
}

// storedIDs counts the stored copies of each result id (results are
// stored one chunk row per branch and batch: package chunk's encoding).
func storedIDs(t *testing.T, dsn string) map[string]int {
	out := map[string]int{}
	query(t, dsn, func(conn *pgx.Conn) error {
		rows, err := conn.Query(context.Background(), "SELECT branch, body FROM result_chunks")
		if err != nil {
			return err
		}
		for rows.Next() {
			var branch string
			var body []byte
			if err := rows.Scan(&branch, &body); err != nil {
				return err
			}
			rs, err := chunk.Decode(body, branch)
			if err != nil {
				return err
			}
			for _, r := range rs {
				out[r.ID]++
			}
		}
		return rows.Err()
	})
	return out
}
