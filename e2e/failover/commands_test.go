package failover

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Two collector processes on one PostgreSQL. The leader is killed with
// SIGKILL and an acknowledgement is posted at once to the survivor, before
// it has taken over: it is kept, the survivor applies it once it leads, and
// the incident's Slack message is edited exactly once.
func TestAnAcknowledgementQueuedAsTheLeaderDiesIsAppliedOnceByTheNextLeader(t *testing.T) {
	c := startCluster(t, 2, 1)
	dsn, fake, logs := c.dsn, c.slack, c.logs
	first := c.leader(t)
	cs := c.cs
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
