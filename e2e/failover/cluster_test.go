package failover

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/e2e/binary"
)

// cluster is n collector processes on one PostgreSQL database, each
// knowing the agents of branchID(0..agents-1), alerting to #branches on a
// fake Slack.
type cluster struct {
	dsn   string
	slack *slacktest.Server
	cs    []*collector
}

func startCluster(t *testing.T, n, agents int) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the collector and starts PostgreSQL: skipped under -short")
	}
	pg := pgtest.Start(t)
	c := &cluster{dsn: pg.NewDatabase(t)}
	bin := binary.Build(t, "branchready-collector")
	c.slack = slacktest.Start(slacktest.Options{Token: "xoxb-failover"})
	t.Cleanup(c.slack.Close)
	var known strings.Builder
	for i := range agents {
		fmt.Fprintf(&known, "  - {branch: %s, token_sha256: %s}\n", branchID(i), auth.HashToken(tokenOf(i)))
	}
	hash, err := auth.HashPassword("failover test password")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := []string{"SLACK_BOT_TOKEN=xoxb-failover", "BRANCHREADY_DSN=" + c.dsn}
	for k := range n {
		name, addr := fmt.Sprintf("c%d", k), binary.FreePort(t)
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
`, addr, hash, known.String(), c.slack.URL)
		if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c.cs = append(c.cs, start(t, bin, name, config, addr, env))
	}
	return c
}

// logs is every collector's output so far, for a failure message.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, p := range c.cs {
		fmt.Fprintf(&b, "--- %s (%s) ---\n%s\n", p.name, p.addr, p.logs.String())
	}
	return b.String()
}

// leader waits until exactly one live collector says it leads.
func (c *cluster) leader(t *testing.T) *collector {
	t.Helper()
	var l *collector
	waitFor(t, "exactly one collector leading", c.logs, func() bool { l = leaderOf(c.cs); return l != nil })
	return l
}

// posted counts, by branch, the incident messages (thread roots) in #branches.
func (c *cluster) posted() map[string]int {
	out := map[string]int{}
	for _, m := range roots(c.slack.Messages(c.slack.ChannelID("#branches"))) {
		for i := range branches {
			if strings.Contains(m.Text, branchID(i)) {
				out[branchID(i)]++
			}
		}
	}
	return out
}
