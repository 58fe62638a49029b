package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/agent"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/testpeer"
)

// fakeCollector acknowledges every batch, as the real one does.
func fakeCollector(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Results []result.Result `json:"results"`
		}
		_ = decodeGzip(r, &b)
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0}`, len(b.Results))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

const branchTemplate = `branch:
  id: reload-test
  name: %s
  timezone: UTC
  hours: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
collector: {url: %q, token: "reload-test-token-0123456789"}
agent: {listen: %q}
devices:
  - {id: port, kind: other, checks: [{name: open, timeout: 1s, tcp: {address: "127.0.0.1:1"}}]}
`

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A reload with a broken file keeps the running configuration and says why;
// a good file takes effect.
func TestReloadKeepsTheOldConfigWhenTheNewOneIsInvalid(t *testing.T) {
	col := fakeCollector(t)
	admin := freePort(t)
	path := filepath.Join(t.TempDir(), "branch.yaml")
	write := func(name string) {
		if err := os.WriteFile(path, []byte(fmt.Sprintf(branchTemplate, name, col.URL, admin)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("Before")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- agent.Run(ctx, agent.Options{ConfigPath: path, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Ready: func(string) { once.Do(func() { close(ready) }) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("agent stopped: %v", err)
	}
	waitFor(t, "the admin endpoint", func() bool {
		c, err := net.Dial("tcp", admin)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	if err := os.WriteFile(path, []byte("branch: {id: Not Valid}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+admin+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `branch.id: "Not Valid": must be`) {
		t.Fatalf("reload of a broken file: %d %s", resp.StatusCode, body)
	}
	status := getBody(t, "http://"+admin+"/status")
	for _, page := range []string{status, getBody(t, "http://"+admin+"/metrics")} {
		if strings.Contains(page, "reload-test-token-0123456789") {
			t.Fatal("the branch token appears on the admin endpoint")
		}
	}
	if !strings.Contains(status, `"name": "Before"`) || !strings.Contains(status, `"last_reload_error"`) {
		t.Fatalf("status after a refused reload should keep the old config and report the error:\n%s", status)
	}

	write("After")
	resp, err = http.Post("http://"+admin+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("reload of a good file: %d", resp.StatusCode)
	}
	waitFor(t, "the new config in status", func() bool {
		s := getBody(t, "http://"+admin+"/status")
		return strings.Contains(s, `"name": "After"`) && !strings.Contains(s, `"last_reload_error"`)
	})

	waitFor(t, "the agent to say it is ready", func() bool {
		resp, err := http.Get("http://" + admin + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	t.Run("agent metrics pass promtool", func(t *testing.T) {
		bin := testpeer.Require(t, "promtool")
		cmd := exec.Command(bin, "check", "metrics")
		cmd.Stdin = strings.NewReader(getBody(t, "http://"+admin+"/metrics"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool: %v\n%s", err, out)
		}
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("agent: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-limit:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
