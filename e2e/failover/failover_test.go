package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/branchready/branchready/e2e/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
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
	if testing.Short() {
		t.Skip("builds the collector and starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	bin := binary.Build(t, "branchready-collector")
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-failover"})
	defer fake.Close()
	fake.Fail(slacktest.Fault{Method: "chat.postMessage", Status: http.StatusInternalServerError})

	dir := t.TempDir()
	var agents strings.Builder
	for i := range branches {
		fmt.Fprintf(&agents, "  - {branch: %s, token_sha256: %s}\n", branchID(i), auth.HashToken(tokenOf(i)))
	}
	hash, err := auth.HashPassword("failover test password")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"SLACK_BOT_TOKEN=xoxb-failover", "BRANCHREADY_DSN=" + dsn}
	var cs []*collector
	for n := range 3 {
		name, addr := fmt.Sprintf("c%d", n), binary.FreePort(t)
		config := filepath.Join(dir, name+".yaml")
		yaml := fmt.Sprintf(`listen: %q
store: {driver: postgres, dsn_env: BRANCHREADY_DSN}
users: [{name: ops, password_bcrypt: %q}]
agents:
%salerts:
  thresholds: {default: {fail: 1}}
  routing:
    default: [{notifier: slack, target: "#branches"}]
  outbox_lease: 5s
  slack: {api_url: %q, token_env: SLACK_BOT_TOKEN}
`, addr, hash, agents.String(), fake.URL)
		if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, start(t, bin, name, config, addr, env))
	}
	logs := func() string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "--- %s (%s) ---\n%s\n", c.name, c.addr, c.logs.String())
		}
		return b.String()
	}
	var first *collector
	waitFor(t, "exactly one collector leading", logs, func() bool { first = leaderOf(cs); return first != nil })

	acked := map[string]bool{}
	next := 0
	for round := range rounds {
		if round == rounds/2 {
			first.kill(t)
		}
		for i := range branches {
			ids := shipRoundRobin(t, cs, &next, batchOf(i, round), tokenOf(i), logs)
			for _, id := range ids {
				acked[id] = true
			}
		}
	}
	survivors := []*collector{}
	for _, c := range cs {
		if !c.dead {
			survivors = append(survivors, c)
		}
	}
	var second *collector
	waitFor(t, "a surviving collector taking over", logs, func() bool { second = leaderOf(survivors); return second != nil })
	fake.Heal()

	channel := fake.ChannelID("#branches")
	want := 0
	for i := range branches {
		if failing(i) {
			want++
		}
	}
	waitFor(t, fmt.Sprintf("%d incident messages in Slack and an empty outbox", want), logs, func() bool {
		return len(roots(fake.Messages(channel))) >= want && undelivered(t, dsn) == 0
	})

	t.Run("every acknowledged result is stored exactly once", func(t *testing.T) {
		stored := storedIDs(t, dsn)
		for id := range acked {
			if stored[id] != 1 {
				t.Errorf("result %s acknowledged, stored %d times", id, stored[id])
			}
		}
		if len(acked) != branches*rounds*2 {
			t.Errorf("%d results acknowledged, want %d", len(acked), branches*rounds*2)
		}
	})
	t.Run("every incident reached Slack exactly once", func(t *testing.T) {
		posted := map[string]int{}
		for _, m := range roots(fake.Messages(channel)) {
			for i := range branches {
				if strings.Contains(m.Text, branchID(i)) {
					posted[branchID(i)]++
				}
			}
		}
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
	t.Run("the leaders said so in their logs", func(t *testing.T) {
		for _, c := range []*collector{first, second} {
			if !strings.Contains(c.logs.String(), "leadership gained") {
				t.Errorf("%s led but did not log it", c.name)
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
			return ids
		}
	}
	t.Fatalf("no collector accepted %s's batch\n%s", b.Branch, logs())
	return nil
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
