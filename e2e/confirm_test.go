package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/collector/readiness"
)

// A lobby manager confirms the feedback book on the board; the agent picks
// the confirmation up at its next sweep and the branch becomes ready.
func TestStaffConfirmOnTheBoard(t *testing.T) {
	c := startCollector(t)
	up, _, _ := devices(t)
	tz, loc := morningZone(t)
	open := time.Now().In(loc).Add(40 * time.Minute).Truncate(time.Minute)
	hours := fmt.Sprintf("%q", open.Format("15:04")+"-24:00")
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	admin := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`branch:
  id: e2e-branch
  name: Confirm Test
  timezone: %s
  hours: {mon: %[2]s, tue: %[2]s, wed: %[2]s, thu: %[2]s, fri: %[2]s, sat: %[2]s, sun: %[2]s}
  retry_interval: 30s
collector: {url: %q, token_env: E2E_BRANCH_TOKEN}
agent: {listen: %q, state_dir: %q}
devices:
  - {id: atm-01, kind: atm, checks: [{name: reachable, timeout: 2s, tcp: {address: %q}}]}
  - {id: feedback-book, kind: other, checks: [{name: in-place, manual: {instructions: "the book is on the counter"}}]}
`, tz, hours, c.url, admin, filepath.Join(dir, "state"), up)
	path := filepath.Join(dir, "branch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_BRANCH_TOKEN", branchToken)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Options{ConfigPath: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	verdict := func() readiness.BranchStatus {
		s, _ := c.server.Engine.One(context.Background(), "e2e-branch", "")
		return s
	}
	waitFor(t, "the pending manual item on the board", func() bool { return verdict().Judgement.Verdict == readiness.NotReady })
	if p := verdict().Judgement.Problems; len(p) != 1 || !strings.Contains(p[0].Reason, "waiting for a member of staff to confirm") {
		t.Fatalf("problems %+v, want the pending feedback book", p)
	}

	form := url.Values{"device": {"feedback-book"}, "check": {"in-place"}, "by": {"Priya Shah"}}
	post := func(origin string) int {
		req, _ := http.NewRequest(http.MethodPost, c.url+"/branches/e2e-branch/confirm", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("ops", c.password)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("https://evil.example"); code != http.StatusForbidden {
		t.Fatalf("a cross-site form post got %d, want 403", code)
	}
	if code := post(c.url); code != http.StatusSeeOther {
		t.Fatalf("the board's own form post got %d, want 303", code)
	}
	// A reload starts a fresh sweep at once (the agent is inside its
	// pre-opening window), instead of waiting for the next retry.
	resp, err := http.Post("http://"+admin+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, "the branch ready after the confirmation", func() bool { return verdict().Judgement.Verdict == readiness.Ready })
	t.Run("the JSON API refuses an item that is not a manual check", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/branches/e2e-branch/confirmations",
			strings.NewReader(`{"device":"atm-01","check":"reachable","by":"Priya Shah"}`))
		req.SetBasicAuth("ops", c.password)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "atm-01/reachable: not a manual item of this branch") {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})
	page := get(t, c.url+"/branches/e2e-branch", "ops", c.password, 200)
	if !strings.Contains(page, "Checklist items staff confirm") {
		t.Error("the branch page has no checklist section")
	}
}
