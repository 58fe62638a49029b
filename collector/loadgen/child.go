package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/branchready/branchready/collector/auth"
)

// The login the load generator gives the collector's one user.
const (
	userName     = "loadgen"
	userPassword = "loadgen wave password"
	slackToken   = "xoxb-loadgen"
)

// setup is what the collector the wave runs against is configured with.
type setup struct {
	bin, dir, addr string
	// dsn selects PostgreSQL; empty means a SQLite file in dir.
	dsn      string
	slackURL string
	fleet    *fleet
}

// writeConfig writes the collector configuration a user would: the store,
// one login, and alerts to Slack with a channel per branch (Slack paces
// messages to one channel at one a second, so a bank shares no channel
// among thousands of branches); incidents fire and resolve on the first
// result so that every newly failing check is notified.
func (s setup) writeConfig() (string, error) {
	hash, err := auth.HashPassword(userPassword)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\n", s.addr)
	if s.dsn != "" {
		b.WriteString("store: {driver: postgres, dsn_env: BRANCHREADY_DSN}\n")
	} else {
		fmt.Fprintf(&b, "store: {driver: sqlite, path: %q}\n", filepath.Join(s.dir, "wave.db"))
	}
	fmt.Fprintf(&b, "users: [{name: %s, password_bcrypt: %q, role: admin}]\n", userName, hash)
	// The simulated agents send their waves and no heartbeats between
	// them: on a loaded machine rounds can be more than the default ten
	// minutes apart, and every branch would then open an agent-silent
	// incident for the operations channel.
	fmt.Fprintf(&b, "alerts:\n  thresholds: {default: {fail: 1, resolve: 1}}\n  agent_silent_after: 12h\n  slack: {api_url: %q, token_env: SLACK_BOT_TOKEN}\n", s.slackURL)
	b.WriteString("  routing:\n    default: [{notifier: slack, target: \"#branches\"}]\n    branches:\n")
	for _, br := range s.fleet.branches {
		fmt.Fprintf(&b, "      %s: [{notifier: slack, target: \"#%s\"}]\n", br.id, br.id)
	}
	path := filepath.Join(s.dir, "collector.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

func (s setup) env() []string {
	return append(os.Environ(), "SLACK_BOT_TOKEN="+slackToken, "BRANCHREADY_DSN="+s.dsn)
}

// register imports the fleet's branches from a CSV file with
// `branches import --tokens-out`, as a user would, and gives each branch
// the token the command issued. It returns how long the import took.
func (s setup) register(ctx context.Context, config string) (time.Duration, error) {
	csvPath, tokens := filepath.Join(s.dir, "branches.csv"), filepath.Join(s.dir, "tokens.csv")
	if err := os.WriteFile(csvPath, s.fleet.csv(), 0o600); err != nil {
		return 0, err
	}
	_ = os.Remove(tokens)
	start := time.Now()
	cmd := exec.CommandContext(ctx, s.bin, "branches", "import", "-c", config, csvPath, "--tokens-out", tokens)
	cmd.Env = s.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("branches import: %w\n%s", err, out)
	}
	took := time.Since(start)
	raw, err := os.ReadFile(tokens)
	if err != nil {
		return 0, err
	}
	byID := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		id, tok, _ := strings.Cut(line, ",")
		byID[id] = tok
	}
	for _, b := range s.fleet.branches {
		if b.token = byID[b.id]; b.token == "" {
			return 0, fmt.Errorf("branches import issued no token to %s", b.id)
		}
	}
	return took, nil
}

// target is a collector's address and the login the load generator
// reads its board and API with.
type target struct{ url, user, password string }

// request makes a request to path, logged in.
func (t target) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.url+path, body)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(t.user, t.password)
	return req, nil
}

// child is the collector the wave runs against: a process started by the
// load generator, or (cmd nil) one running already at a given address.
type child struct {
	target
	cmd    *exec.Cmd
	logs   *logBuf
	exited chan struct{}
	// direct is the process's own address (target.url may be a proxy's).
	direct string
	dead   atomic.Bool
	// procs, when set, are the collectors behind a proxy at target.url;
	// this child stands for all of them.
	procs []*child
	// lastCPU is the CPU time read last (usage is called from one
	// goroutine).
	lastCPU time.Duration
	// relaunch starts the process again as it was started (a collector
	// behind the proxy, for a rolling restart); pastCPU is the CPU time of
	// the runs it replaced.
	relaunch func(ctx context.Context) (*child, error)
	pastCPU  time.Duration
}

// tail is the end of the output of the collector, or of each of them.
func (c *child) tail() string {
	if len(c.procs) == 0 {
		return c.logs.tail()
	}
	var b strings.Builder
	for _, p := range c.procs {
		fmt.Fprintf(&b, "--- %s ---\n%s\n", p.direct, p.logs.tail())
	}
	return b.String()
}

// startChild runs `serve -c config --listen addr` and waits until it
// answers.
func (s setup) startChild(ctx context.Context, config, addr string) (*child, error) {
	c := &child{target: target{url: "http://" + addr, user: userName, password: userPassword}, direct: "http://" + addr,
		logs: &logBuf{}, exited: make(chan struct{})}
	c.cmd = exec.Command(s.bin, "serve", "-c", config, "--listen", addr)
	c.cmd.Env = s.env()
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if dir := os.Getenv("BRANCHREADY_LOADGEN_LOGS"); dir != "" {
		// Diagnostics: each collector's whole output, in a file named by
		// its address.
		if f, err := os.Create(filepath.Join(dir, strings.ReplaceAll(addr, ":", "_")+".log")); err == nil {
			c.cmd.Stdout = io.MultiWriter(c.logs, f)
			c.cmd.Stderr = c.cmd.Stdout
		}
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start collector: %w", err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	if err := c.await(ctx, "/-/healthy", "answering", func(int) bool { return true }); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// await asks the collector for path every 50 ms until its answer's status
// will do (what says what that means), the process exits, ctx ends or 5
// minutes have passed.
func (c *child) await(ctx context.Context, path, what string, will func(status int) bool) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if resp, err := http.Get(c.direct + path); err == nil {
			resp.Body.Close()
			if will(resp.StatusCode) {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("collector %s exited before %s:\n%s", c.direct, what, c.logs.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("collector %s not %s within 5 minutes:\n%s", c.direct, what, c.logs.tail())
		}
	}
}

// stop asks the collector to shut down gracefully (SIGTERM) and kills it
// if it has not within a minute.
func (c *child) stop() {
	for _, p := range c.procs {
		p.stop()
	}
	if c.cmd == nil || c.dead.Load() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// usage reads the process's peak resident set (VmHWM) and the CPU time it
// has used, from /proc.
//
// For collectors behind a proxy it is the sum over those still running.
func (c *child) usage() (peakRSS int64, cpu time.Duration, err error) {
	for _, p := range c.procs {
		if p.dead.Load() {
			// Killed: count the CPU it had used when last read, so a
			// round's difference does not go negative.
			cpu += p.lastCPU
			continue
		}
		r, t, err := p.usage()
		if err != nil {
			return 0, 0, err
		}
		peakRSS, cpu = peakRSS+r, cpu+t
	}
	if c.cmd == nil {
		return peakRSS, cpu, nil // not ours to read, or a proxy's
	}
	peakRSS, c.lastCPU, err = procUsage(strconv.Itoa(c.cmd.Process.Pid))
	c.lastCPU += c.pastCPU
	return peakRSS, c.lastCPU, err
}

// restart shuts the collector down as systemctl stop does (SIGTERM), which
// must end it cleanly within a minute, and starts it again at the same
// address; it returns how long it was gone (until it answered again) and
// how long until it was ready (/-/ready: its first judgement done), both
// from the SIGTERM.
func (c *child) restart(ctx context.Context) (gone, unready time.Duration, err error) {
	down := time.Now()
	c.dead.Store(true)
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(time.Minute):
		return 0, 0, fmt.Errorf("collector %s still running a minute after SIGTERM:\n%s", c.direct, c.logs.tail())
	}
	st := c.cmd.ProcessState
	if code := st.ExitCode(); code != 0 {
		return 0, 0, fmt.Errorf("collector %s exited with status %d after SIGTERM:\n%s", c.direct, code, c.logs.tail())
	}
	n, err := c.relaunch(ctx)
	if err != nil {
		return 0, 0, err
	}
	c.pastCPU += st.UserTime() + st.SystemTime()
	c.cmd, c.logs, c.exited = n.cmd, n.logs, n.exited
	c.dead.Store(false)
	gone = time.Since(down)
	if err := c.await(ctx, "/-/ready", "ready after its restart", func(s int) bool { return s == http.StatusOK }); err != nil {
		return 0, 0, err
	}
	return gone, time.Since(down), nil
}

// procUsage reads a process's peak RSS and CPU time (user and system) from
// /proc; pid may be "self".
func procUsage(pid string) (peakRSS int64, cpu time.Duration, err error) {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			peakRSS = kb << 10
		}
	}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name (which may hold spaces, so cut at
	// its closing parenthesis): utime and stime are the 12th and 13th.
	_, rest, ok := bytes.Cut(stat, []byte(") "))
	f := strings.Fields(string(rest))
	if !ok || len(f) < 13 {
		return 0, 0, errors.New("unexpected /proc/PID/stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return peakRSS, time.Duration(ut+st) * time.Second / ticks, nil
}

// freeAddr returns a loopback address nothing listens on at the moment.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// logBuf keeps a process's output for an error message.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 { // keep the recent output only
		rest := append([]byte(nil), l.b.Bytes()[l.b.Len()-64<<10:]...)
		l.b.Reset()
		l.b.Write(rest)
	}
	return l.b.Write(p)
}

// tail is the last 4 KB of the output.
func (l *logBuf) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	return s[max(0, len(s)-4096):]
}
