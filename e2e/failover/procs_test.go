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
	name, addr string
	cmd        *exec.Cmd
	logs       *logBuf
	exited     chan struct{}
	dead       bool
}

func start(t *testing.T, bin, name, config, addr string, env []string) *collector {
	t.Helper()
	logs := &logBuf{}
	cmd := exec.Command(bin, "serve", "-c", config)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &collector{name: name, addr: addr, cmd: cmd, logs: logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-c.exited })
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.exited = exited
	waitFor(t, name+" answering /-/healthy", c.logs.String, func() bool {
		select {
		case <-exited:
			t.Fatalf("%s exited at start:\n%s", name, c.logs.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/-/healthy")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	return c
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
