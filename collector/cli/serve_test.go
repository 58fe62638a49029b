package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
)

// lockedBuffer is a log a running collector writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) line(prefix string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(s, prefix) {
			return s
		}
	}
	return ""
}

// waitLine waits for a log line containing msg and returns it.
func waitLine(t *testing.T, log *lockedBuffer, msg string, stopped <-chan struct{}) string {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(30 * time.Second)
	for {
		if l := log.line(msg); l != "" {
			return l
		}
		select {
		case <-tick.C:
		case <-stopped:
			t.Fatalf("serve stopped before logging %q:\n%s", msg, log.String())
		case <-limit:
			t.Fatalf("gave up waiting for %q", msg)
		}
	}
}

// A collector whose tokens are in the store says so when it starts, and
// does not count only the configuration's agents: list.
func TestServeLogsTheTokensOfTheConfigurationAndOfTheStore(t *testing.T) {
	cfg, dir := registryConfig(t)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("agents: [{branch: small, token_sha256: " + auth.HashToken(auth.NewToken()) + "}]\n")
	f.Close()
	csvPath := filepath.Join(dir, "branches.csv")
	if err := os.WriteFile(csvPath, []byte("id,name,region,channel\nbr-001,Main,n,r\nbr-002,Harbour,s,r\nbr-003,Station,s,r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"branches", "import", "-c", cfg, csvPath, "--tokens-out", filepath.Join(dir, "tokens.csv")},
		{"branches", "rotate", "-c", cfg, "br-001"}, // two live tokens, one branch
	} {
		if code, out, errs := runCLI(args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}

	defer debug.SetGCPercent(debug.SetGCPercent(100)) // serve tunes the GC
	ctx, cancel := context.WithCancel(context.Background())
	var log lockedBuffer
	var serveErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		serveErr = serve(ctx, []string{"-c", cfg, "--listen", "127.0.0.1:0"}, &log, &log)
	}()
	defer func() {
		cancel()
		<-stopped
		if serveErr != nil {
			t.Errorf("serve: %v", serveErr)
		}
	}()
	start := waitLine(t, &log, `msg="collector listening"`, stopped)
	for _, want := range []string{"config_tokens=1", "store_branches_with_tokens=3"} {
		if !strings.Contains(start, want) {
			t.Errorf("start-up log lacks %s:\n%s", want, start)
		}
	}
	addr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(start)
	if addr == nil {
		t.Fatalf("no addr in %q", start)
	}
	resp, err := http.Post("http://"+addr[1]+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if reload := waitLine(t, &log, `msg="configuration reloaded"`, stopped); !strings.Contains(reload, "config_tokens=1") || strings.Contains(reload, "branches_with_tokens") {
		t.Errorf("reload log should count the configuration's tokens as such:\n%s", reload)
	}
}
