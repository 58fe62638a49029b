package crash

import (
	"fmt"
	"github.com/branchready/branchready/e2e/binary"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	branchID    = "crash-branch"
	branchToken = "crash-branch-token-0123456789abcdef"
	tokenEnv    = "CRASH_BRANCH_TOKEN"
	// devices × 3 checks each: a TCP port, a fast page and a slow page.
	devices     = 10
	checksTotal = devices * 3
)

// targets are the loopback services the branch's checks look at.
type targets struct {
	tcp, fast, slow string
}

// startTargets starts a TCP port that accepts, a page that answers at once
// and a page that takes about a second, so that a sweep lasts long enough
// for kills to land in the middle of it.
func startTargets(t *testing.T) targets {
	t.Helper()
	l := listen(t)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/fast", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ready") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
			fmt.Fprint(w, "ready")
		case <-r.Context().Done():
		}
	})
	hl := listen(t)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(hl) }()
	t.Cleanup(func() { hs.Close() })
	base := "http://" + hl.Addr().String()
	return targets{tcp: l.Addr().String(), fast: base + "/fast", slow: base + "/slow"}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// branchFiles is a written branch configuration.
type branchFiles struct {
	config, stateDir, admin string
}

// writeBranch writes a branch that opens 40 minutes from now in a zone
// where it is mid-morning, so every start of the agent falls in the
// pre-opening window and sweeps at once. Every check passes, so each start
// sweeps once: the next retry (30 s on) is skipped as the branch is ready.
func writeBranch(t *testing.T, collectorURL string, tg targets) branchFiles {
	t.Helper()
	dir := t.TempDir()
	zone, loc := midMorning(t)
	open := time.Now().In(loc).Add(40 * time.Minute).Truncate(time.Minute).Format("15:04")
	week := fmt.Sprintf("%q", open+"-24:00")
	f := branchFiles{config: filepath.Join(dir, "branch.yaml"), stateDir: filepath.Join(dir, "state"), admin: binary.FreePort(t)}
	var b strings.Builder
	fmt.Fprintf(&b, `branch:
  id: %s
  name: Crash Test
  region: test
  timezone: %s
  hours: {mon: %[3]s, tue: %[3]s, wed: %[3]s, thu: %[3]s, fri: %[3]s, sat: %[3]s, sun: %[3]s}
  retry_interval: 30s
  business_interval: 30s
collector: {url: %q, token_env: %s, batch_size: 10, timeout: 10s}
agent: {listen: %q, state_dir: %q}
devices:
`, branchID, zone, week, collectorURL, tokenEnv, f.admin, f.stateDir)
	for i := range devices {
		fmt.Fprintf(&b, `  - id: dev-%02d
    kind: other
    checks:
      - {name: port, timeout: 5s, tcp: {address: %q}}
      - {name: page, timeout: 5s, http: {url: %q, body_regex: ready}}
      - {name: slow-page, timeout: 5s, http: {url: %q, body_regex: ready}}
`, i, tg.tcp, tg.fast, tg.slow)
	}
	if err := os.WriteFile(f.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// midMorning returns a whole-hour zone (Etc/GMT±N) where it is now between
// 08:00 and 11:59, so that opening in 40 minutes is the same local day.
func midMorning(t *testing.T) (string, *time.Location) {
	t.Helper()
	east := 10 - time.Now().UTC().Hour()
	if east < -12 {
		east += 24
	}
	if east > 14 {
		east -= 24
	}
	name := "Etc/GMT"
	if east != 0 {
		name += fmt.Sprintf("%+d", -east) // POSIX signs: Etc/GMT-3 is UTC+3
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return name, loc
}
