package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/testpeer"
)

const (
	branchToken = "e2e-branch-token-0123456789abcdef"
	otherToken  = "e2e-other-token-0123456789abcdef"
)

type fixture struct {
	url      string
	server   *collector.Server
	password string
}

func startCollector(t *testing.T) fixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens, _ := auth.NewTokens(nil)
	tokens.Add("e2e-branch", branchToken)
	tokens.Add("other-branch", otherToken)
	hash, _ := auth.HashPassword("ops-password-1")
	users, _ := auth.NewUsers(map[string]string{"ops": hash})
	srv := collector.NewServer(collector.ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, SkewThreshold: time.Minute})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return fixture{url: "http://" + ln.Addr().String(), server: srv, password: "ops-password-1"}
}

// devices starts an ATM that answers, an ATM that is switched off, and an
// online-banking page.
func devices(t *testing.T) (up, down, web string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	d, _ := net.Listen("tcp", "127.0.0.1:0")
	down = d.Addr().String()
	d.Close()
	hl, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "Sign in") })}
	go func() { _ = hs.Serve(hl) }()
	t.Cleanup(func() { hs.Close() })
	return l.Addr().String(), down, "http://" + hl.Addr().String() + "/login"
}

// writeConfig writes a branch that opens 40 minutes from now (UTC), so the
// agent starts inside its pre-opening window and sweeps at once.
func writeConfig(t *testing.T, url, up, down, web string) string {
	t.Helper()
	dir := t.TempDir()
	// A zone where it is mid-morning now, so that opening in 40 minutes is
	// the same local day whenever the test runs.
	tz, loc := morningZone(t)
	open := time.Now().In(loc).Add(40 * time.Minute).Truncate(time.Minute)
	hours := fmt.Sprintf("%q", open.Format("15:04")+"-"+"24:00")
	cfg := fmt.Sprintf(`branch:
  id: e2e-branch
  name: End To End
  region: test
  timezone: %[7]s
  hours: {mon: %[1]s, tue: %[1]s, wed: %[1]s, thu: %[1]s, fri: %[1]s, sat: %[1]s, sun: %[1]s}
  retry_interval: 30s
collector: {url: %[2]q, token_env: E2E_BRANCH_TOKEN}
agent: {listen: "127.0.0.1:0", state_dir: %[6]q}
devices:
  - {id: atm-01, kind: atm, checks: [{name: reachable, timeout: 2s, tcp: {address: %[3]q}}]}
  - {id: atm-02, kind: atm, checks: [{name: reachable, timeout: 2s, tcp: {address: %[4]q}}]}
  - {id: banking-pc, kind: banking_pc, checks: [{name: login-page, timeout: 2s, http: {url: %[5]q, body_regex: "Sign in"}}]}
`, hours, url, up, down, web, filepath.Join(dir, "state"), tz)
	path := filepath.Join(dir, "branch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_BRANCH_TOKEN", branchToken)
	return path
}

// morningZone returns a fixed-offset zone (Etc/GMT±N) where the local time
// is between 08:00 and 11:59.
func morningZone(t *testing.T) (string, *time.Location) {
	t.Helper()
	n := 10 - time.Now().UTC().Hour() // hours east of UTC
	if n < -12 {
		n += 24
	}
	if n > 14 {
		n -= 24
	}
	name := "Etc/GMT"
	switch {
	case n > 0:
		name += fmt.Sprintf("-%d", n) // POSIX sign: Etc/GMT-3 is UTC+3
	case n < 0:
		name += fmt.Sprintf("+%d", -n)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return name, loc
}

// waitFor polls cond until it holds; the bound only stops a broken test
// from hanging, it asserts no timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(60 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-limit:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func TestAgentToBoard(t *testing.T) {
	c := startCollector(t)
	up, down, web := devices(t)
	path := writeConfig(t, c.url, up, down, web)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	swept := make(chan []result.Result, 4)
	agentDone := make(chan error, 1)
	go func() {
		agentDone <- agent.Run(ctx, agent.Options{ConfigPath: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			OnSweep: func(_ calendar.Slot, rs []result.Result) { swept <- rs }})
	}()
	select {
	case rs := <-swept:
		if len(rs) != 3 {
			t.Fatalf("first sweep ran %d checks, want 3", len(rs))
		}
	case err := <-agentDone:
		t.Fatalf("agent stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no sweep: the agent started inside its pre-opening window and should sweep at once")
	}

	var st readiness.BranchStatus
	waitFor(t, "the branch's results on the board", func() bool {
		s, err := c.server.Engine.One(context.Background(), "e2e-branch", "")
		st = s
		return err == nil && s.Judgement.Verdict != readiness.Unknown
	})
	if st.Judgement.Verdict != readiness.NotReady {
		t.Fatalf("verdict %s, want not_ready (atm-02 is off)", st.Judgement.Verdict)
	}
	if len(st.Judgement.Problems) != 1 {
		t.Fatalf("problems %+v, want only atm-02", st.Judgement.Problems)
	}
	p := st.Judgement.Problems[0]
	if p.Device != "atm-02" || p.Check != "reachable" || !strings.Contains(p.Reason, "connection refused") {
		t.Errorf("problem %+v, want atm-02/reachable connection refused", p)
	}

	t.Run("the board names the failed device and the reason, behind a login", func(t *testing.T) {
		// The board shows the engine's published snapshot, which the refresh
		// after the batch brings; the branch page above judged it alone.
		var body string
		waitFor(t, "the branch on the board", func() bool {
			body = get(t, c.url+"/", "ops", c.password, 200)
			return strings.Contains(body, "End To End")
		})
		for _, want := range []string{"End To End", "not ready", "atm-02", "connection refused"} {
			if !strings.Contains(body, want) {
				t.Errorf("board lacks %q", want)
			}
		}
		get(t, c.url+"/", "", "", 401)
		get(t, c.url+"/", "ops", "wrong", 401)
	})
	t.Run("the JSON API gives the verdict", func(t *testing.T) {
		var got readiness.BranchStatus
		if err := json.Unmarshal([]byte(get(t, c.url+"/api/v1/branches/e2e-branch", "ops", c.password, 200)), &got); err != nil {
			t.Fatal(err)
		}
		if got.Judgement.Verdict != readiness.NotReady || !strings.HasPrefix(got.Timezone, "Etc/GMT") {
			t.Errorf("api: %+v", got.Judgement)
		}
		get(t, c.url+"/api/v1/branches/nowhere", "ops", c.password, 404)
	})
	t.Run("no token or password appears in the API, the board or the metrics", func(t *testing.T) {
		for _, page := range []string{get(t, c.url+"/api/v1/branches", "ops", c.password, 200), get(t, c.url+"/", "ops", c.password, 200),
			get(t, c.url+"/branches/e2e-branch", "ops", c.password, 200), get(t, c.url+"/metrics", "", "", 200)} {
			for _, secret := range []string{branchToken, otherToken, c.password} {
				if strings.Contains(page, secret) {
					t.Errorf("secret %q found in a page", secret[:6]+"…")
				}
			}
		}
	})
	t.Run("another branch's token cannot write this branch", func(t *testing.T) {
		b, _ := json.Marshal(result.Batch{Branch: "e2e-branch", Results: []result.Result{}})
		req, _ := http.NewRequest(http.MethodPost, c.url+"/api/v1/results", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+otherToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("the board renders in a real browser", func(t *testing.T) {
		dom := browse(t, strings.Replace(c.url, "http://", "http://ops:"+c.password+"@", 1)+"/")
		for _, want := range []string{"Branch readiness", "End To End", "not ready", "atm-02", "connection refused"} {
			if !strings.Contains(dom, want) {
				t.Errorf("the page Chromium rendered lacks %q", want)
			}
		}
	})
	t.Run("collector metrics pass promtool", func(t *testing.T) {
		promtool(t, get(t, c.url+"/metrics", "", "", 200))
	})
	cancel()
	if err := <-agentDone; err != nil {
		t.Errorf("agent: %v", err)
	}
}

func get(t *testing.T, url, user, pw string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return string(b)
}

// browse loads url in headless Chromium and returns the rendered DOM.
func browse(t *testing.T, url string) string {
	t.Helper()
	bin := testpeer.Require(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// promtool checks exposition text the way Prometheus' own linter does.
func promtool(t *testing.T, metrics string) {
	t.Helper()
	bin := testpeer.Require(t, "promtool")
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(metrics)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
