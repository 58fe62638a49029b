package modem

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

// ptyPair starts socat with two linked pseudo-terminals and returns the
// check's end and the device's end.
func ptyPair(t *testing.T) (checkEnd, deviceEnd string) {
	t.Helper()
	bin := testpeer.Require(t, "socat")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "check"), filepath.Join(dir, "modem")
	cmd := exec.Command(bin, "-d", "-d", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "starting data transfer loop") {
				ready <- true
				_, _ = io.Copy(io.Discard, stderr)
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("socat exited before linking the ptys")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("socat did not link the ptys within 10s")
	}
	return a, b
}

// ptyOpener runs m on the device end of a socat pair and opens the check's
// end as a real serial port.
func ptyOpener(t *testing.T, m *sim) Opener {
	a, b := ptyPair(t)
	dev, err := os.OpenFile(b, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Close() })
	go m.serve(dev)
	return func(_ string, mode Mode) (Port, error) { return SerialOpener(a, mode) }
}
