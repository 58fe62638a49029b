package alertcrash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/branchready/branchready/e2e/binary"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/slack/slacktest"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/result"
)

const token = "alertcrash-token-0123456789abcdef"

// collectorProc is one run of the collector binary.
type collectorProc struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func start(t *testing.T, bin, config, addr string) *collectorProc {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "-c", config)
	cmd.Env = append(os.Environ(), "SLACK_BOT_TOKEN=xoxb-crash")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &collectorProc{cmd: cmd, logs: &logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/healthy")
		if err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *collectorProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

func send(t *testing.T, addr string, seq int, status result.Status) {
	t.Helper()
	now := time.Now()
	b := result.Batch{Branch: "nyc-001", Agent: result.Agent{Version: "test", ConfigHash: "h", SentAt: now},
		Descriptor: &result.Descriptor{Name: "Fifth Avenue", Region: "east",
			Devices: []result.Device{{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}},
		Results: []result.Result{{ID: fmt.Sprintf("crash-%04d", seq), Branch: "nyc-001", Device: "atm-02", Check: "reachable", Kind: "tcp",
			Status: status, StartedAt: now, Reason: "cannot connect to 10.0.0.2:443: connection refused", Sweep: "s", AgentVersion: "test"}}}
	b.Descriptor.Calendar.Timezone = "America/New_York"
	b.Descriptor.Calendar.Hours.Mon, b.Descriptor.Calendar.Hours.Tue, b.Descriptor.Calendar.Hours.Wed = "09:00-17:00", "09:00-17:00", "09:00-17:00"
	b.Descriptor.Calendar.Hours.Thu, b.Descriptor.Calendar.Hours.Fri = "09:00-17:00", "09:00-17:00"
	body, _ := json.Marshal(b)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/results", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest answered %s", resp.Status)
	}
}

func waitFor(t *testing.T, what string, logs func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s\n%s", what, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A collector killed with SIGKILL while Slack is failing, so that the
// decided notification sits in the outbox, delivers it exactly once after
// it is restarted and Slack recovers.
func TestACollectorKilledBeforeDeliveringDeliversExactlyOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the collector binary: skipped under -short")
	}
	bin := binary.Build(t, "branchready-collector")
	fake := slacktest.Start(slacktest.Options{Token: "xoxb-crash"})
	defer fake.Close()
	fake.Fail(slacktest.Fault{Method: "chat.postMessage", Status: http.StatusInternalServerError})

	dir := t.TempDir()
	addr := binary.FreePort(t)
	hash, err := auth.HashPassword("crash test password")
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "collector.yaml")
	yaml := fmt.Sprintf(`listen: %q
store: {driver: sqlite, path: collector.db}
agents: [{branch: nyc-001, token_sha256: %s}]
users: [{name: ops, password_bcrypt: %q}]
alerts:
  thresholds: {default: {fail: 1}}
  routing:
    default: [{notifier: slack, target: "#branches"}]
  outbox_lease: 5s
  slack: {api_url: %q, token_env: SLACK_BOT_TOKEN}
`, addr, auth.HashToken(token), hash, fake.URL)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	first := start(t, bin, config, addr)
	send(t, addr, 1, result.StatusFail)
	waitFor(t, "the collector trying to post while Slack fails", first.logs.String, func() bool {
		return fake.Requests("chat.postMessage") >= 1
	})
	first.kill(t)
	if n := len(fake.Messages(fake.ChannelID("#branches"))); n != 0 {
		t.Fatalf("%d messages reached Slack during its outage", n)
	}

	fake.Heal()
	second := start(t, bin, config, addr)
	channel := fake.ChannelID("#branches")
	waitFor(t, "the decided message delivered after the restart", second.logs.String, func() bool {
		return len(fake.Messages(channel)) >= 1
	})
	// A later change of the same incident (its resolution) is threaded under
	// the one message: the thread survived the crash too.
	send(t, addr, 2, result.StatusOK)
	send(t, addr, 3, result.StatusOK)
	waitFor(t, "the resolution in the incident's thread", second.logs.String, func() bool {
		for _, m := range fake.Messages(channel) {
			if m.ThreadTS != "" && strings.Contains(strings.ToLower(m.Text), "resolved") {
				return true
			}
		}
		return false
	})
	roots := 0
	for _, m := range fake.Messages(channel) {
		if m.ThreadTS == "" {
			roots++
		}
	}
	if roots != 1 {
		t.Fatalf("the incident was posted %d times, want exactly once:\n%+v", roots, fake.Messages(channel))
	}
}
