package crash

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/admin"
)

// agentProc is one run of the agent binary.
type agentProc struct {
	cmd    *exec.Cmd
	logs   string
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// startAgent starts `branchready-agent run` and returns once its admin
// endpoint answers: the spool opened and the agent runs.
func startAgent(t *testing.T, bin string, b branchFiles, run int) *agentProc {
	t.Helper()
	logs := filepath.Join(filepath.Dir(b.config), fmt.Sprintf("agent-run-%02d.log", run))
	out, err := os.Create(logs)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin, "run", "-c", b.config)
	cmd.Env = append(os.Environ(), tokenEnv+"="+branchToken)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("run %d: start the agent: %v", run, err)
	}
	p := &agentProc{cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.After(20 * time.Second)
	for {
		if _, err := status(b.admin); err == nil {
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("run %d: the agent exited at start (%v); the spool did not open again?\n%s", run, p.err, p.tail())
		case <-deadline:
			t.Fatalf("run %d: the agent's /status did not answer within 20s\n%s", run, p.tail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *agentProc) kill(t *testing.T, run int) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("run %d: the agent exited before it was killed (%v)\n%s", run, p.err, p.tail())
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("run %d: kill: %v", run, err)
	}
	<-p.exited
}

// stop sends SIGTERM and expects a clean exit within 20 s.
func (p *agentProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("the agent did not stop within 20s of SIGTERM\n%s", p.tail())
	}
	if p.err != nil {
		t.Fatalf("the agent stopped with %v\n%s", p.err, p.tail())
	}
}

// tail returns the end of the run's log, for failure messages.
func (p *agentProc) tail() string {
	b, _ := os.ReadFile(p.logs)
	s := string(b)
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}

var statusClient = &http.Client{Timeout: 2 * time.Second}

// status reads the agent's /status.
func status(addr string) (admin.Status, error) {
	var s admin.Status
	resp, err := statusClient.Get("http://" + addr + "/status")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, errors.New(resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s, err
}
