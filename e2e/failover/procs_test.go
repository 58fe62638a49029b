package failover

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logBuf collects a process's output; the test reads it while it runs.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// collector is one running collector process.
type collector struct {
	name, addr, bin, config string
	env                     []string
	cmd                     *exec.Cmd
	logs                    *logBuf
	exited                  chan struct{}
	dead                    bool
}

func start(t *testing.T, bin, name, config, addr string, env []string) *collector {
	t.Helper()
	c := &collector{name: name, addr: addr, bin: bin, config: config, env: env, logs: &logBuf{}}
	c.run(t)
	return c
}

// run starts the process (again, after stop or kill: its output goes on
// in the same logs) and waits until it answers.
func (c *collector) run(t *testing.T) {
	t.Helper()
	cmd := exec.Command(c.bin, "serve", "-c", c.config)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.cmd, c.exited, c.dead = cmd, exited, false
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	waitFor(t, c.name+" answering /-/healthy", c.logs.String, func() bool {
		select {
		case <-exited:
			t.Fatalf("%s exited at start:\n%s", c.name, c.logs.String())
		default:
		}
		resp, err := http.Get("http://" + c.addr + "/-/healthy")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// stop shuts the process down as systemctl stop does (SIGTERM) and waits
// for it to exit; it must exit cleanly.
func (c *collector) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s still running 2 minutes after SIGTERM:\n%s", c.name, c.logs.String())
	}
	c.dead = true
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("%s exited with status %d after SIGTERM, want 0:\n%s", c.name, code, c.logs.String())
	}
}

func (c *collector) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	c.dead = true
}

// leads asks /-/ready whether this collector leads.
func (c *collector) leads() bool {
	if c.dead {
		return false
	}
	resp, err := http.Get("http://" + c.addr + "/-/ready")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), "leader: true")
}

// leader returns the one collector that says it leads, or nil.
func leaderOf(cs []*collector) *collector {
	var found *collector
	for _, c := range cs {
		if c.leads() {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

func waitFor(t *testing.T, what string, logs func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s\n%s", what, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
