package failover

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/e2e/binary"
)

// Two collector processes on one PostgreSQL. The leader is killed with
// SIGKILL and an acknowledgement is posted at once to the survivor, before
// it has taken over: it is kept, the survivor applies it once it leads, and
// the incident's Slack message is edited exactly once.
func TestAnAcknowledgementQueuedAsTheLeaderDiesIsAppliedOnceByTheNextLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the collector and starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	bin := binary.Build(t, "branchready-collector")
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-failover"})
	defer fake.Close()
	hash, err := auth.HashPassword("failover test password")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := []string{"SLACK_BOT_TOKEN=xoxb-failover", "BRANCHREADY_DSN=" + dsn}
	var cs []*collector
	for n := range 2 {
		name, addr := fmt.Sprintf("c%d", n), binary.FreePort(t)
		config := filepath.Join(dir, name+".yaml")
		yaml := fmt.Sprintf(`listen: %q
store: {driver: postgres, dsn_env: BRANCHREADY_DSN}
users: [{name: ops, password_bcrypt: %q}]
agents:
  - {branch: %s, token_sha256: %s}
alerts:
  thresholds: {default: {fail: 1}}
  routing:
    default: [{notifier: slack, target: "#branches"}]
  outbox_lease: 5s
  slack: {api_url: %q, token_env: SLACK_BOT_TOKEN}
`, addr, hash, branchID(0), auth.HashToken(tokenOf(0)), fake.URL)
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
	second := cs[0]
	if second == first {
		second = cs[1]
	}
	next := 0
	shipRoundRobin(t, []*collector{first}, &next, batchOf(0, 0), tokenOf(0), logs)
	channel := fake.ChannelID("#branches")
	waitFor(t, "the incident posted to Slack", logs, func() bool { return len(roots(fake.Messages(channel))) == 1 })
	var id string
	query(t, dsn, func(conn *pgx.Conn) error {
		return conn.QueryRow(context.Background(), "SELECT id FROM incidents WHERE state <> 'resolved'").Scan(&id)
	})
	waitFor(t, "the leader's outbox empty", logs, func() bool { return undelivered(t, dsn) == 0 })

	first.kill(t)
	req, _ := http.NewRequest(http.MethodPost, "http://"+second.addr+"/api/v1/incidents/"+id+"/ack", nil)
	req.SetBasicAuth("ops", "failover test password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// 200 when the survivor took over within the wait, else 202: kept.
	t.Logf("ack on the survivor right after the kill: %d %s", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ack on the survivor answered %d %s, want 200 or 202\n%s", resp.StatusCode, body, logs())
	}
	waitFor(t, "the survivor leading", logs, func() bool { return second.leads() })
	waitFor(t, "the acknowledgement edited into the Slack message", logs, func() bool {
		ms := roots(fake.Messages(channel))
		return len(ms) == 1 && len(ms[0].Edits) > 0 && undelivered(t, dsn) == 0
	})
	var applied, pending int
	query(t, dsn, func(conn *pgx.Conn) error {
		return conn.QueryRow(context.Background(),
			"SELECT count(*) FILTER (WHERE state = 'applied'), count(*) FILTER (WHERE state = 'pending') FROM alert_commands").Scan(&applied, &pending)
	})
	if applied != 1 || pending != 0 {
		t.Errorf("commands: %d applied, %d pending; want the one ack applied", applied, pending)
	}
	if ms := roots(fake.Messages(channel)); len(ms[0].Edits) != 1 || !strings.Contains(ms[0].Edits[0]+string(ms[0].Blocks), "ops") {
		t.Errorf("the message was edited %d times (%q); want once, naming ops", len(ms[0].Edits), ms[0].Edits)
	}
}
