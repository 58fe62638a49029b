//go:build unix

package serial

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

// line is a virtual serial cable: socat joins two pseudo-terminals; the
// check opens one end and a simulated device the other. Unplugging it
// kills socat, as pulling a USB-serial adapter removes the port.
type line struct {
	check, device string
	socat         *exec.Cmd
	unplugOnce    sync.Once
}

func newLine(t *testing.T) *line {
	t.Helper()
	bin := testpeer.Require(t, "socat")
	dir := t.TempDir()
	l := &line{check: filepath.Join(dir, "check"), device: filepath.Join(dir, "device")}
	ready := &readyWriter{want: "starting data transfer loop", ready: make(chan struct{})}
	l.socat = exec.Command(bin, "-d", "-d", "pty,raw,echo=0,link="+l.check, "pty,raw,echo=0,link="+l.device)
	l.socat.Stderr = ready
	if err := l.socat.Start(); err != nil {
		t.Fatalf("start socat: %v", err)
	}
	t.Cleanup(l.unplug)
	exited := make(chan struct{})
	go func() { _, _ = l.socat.Process.Wait(); close(exited) }()
	select {
	case <-ready.ready:
	case <-exited:
		t.Fatalf("socat exited: %s", ready.text())
	}
	return l
}

// unplug kills socat; the check's end of the line then fails.
func (l *line) unplug() {
	l.unplugOnce.Do(func() {
		_ = l.socat.Process.Kill()
		_ = l.socat.Wait()
	})
}

// readyWriter collects socat's log and signals when want appears in it.
type readyWriter struct {
	want  string
	ready chan struct{}
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// action is one thing the simulated device does after reading a request.
type action struct {
	kind string // echo, reply, unplug, silence
	data []byte
}

// parseScript reads device.txt: one action a line (echo, reply <hex>,
// unplug, silence); # starts a comment.
func parseScript(text string) ([]action, error) {
	var out []action
	for i, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		kind, rest, _ := strings.Cut(ln, " ")
		a := action{kind: kind}
		switch kind {
		case "echo", "unplug", "silence":
		case "reply":
			b, err := parseHex(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			a.data = b
		case "text":
			s, err := unquote(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			a.kind, a.data = "reply", []byte(s)
		default:
			return nil, fmt.Errorf("line %d: unknown action %q", i+1, kind)
		}
		out = append(out, a)
	}
	return out, nil
}

// device simulates the machine at the far end of a line.
type device struct {
	f    *os.File
	mu   sync.Mutex
	log  []string
	got  chan struct{} // closed once the request is read
	done chan struct{} // closed once the script has played
}

// startDevice reads one request of reqLen bytes, then plays script.
func startDevice(t *testing.T, l *line, reqLen int, script []action) *device {
	t.Helper()
	f, err := os.OpenFile(l.device, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the device end: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	d := &device{f: f, got: make(chan struct{}), done: make(chan struct{})}
	go d.play(l, reqLen, script)
	return d
}

func (d *device) play(l *line, reqLen int, script []action) {
	defer close(d.done)
	req := make([]byte, reqLen)
	if _, err := io.ReadFull(d.f, req); err != nil {
		d.record("(read failed: %v)", err)
		close(d.got)
		return
	}
	d.record("> %s", show(req))
	close(d.got)
	for _, a := range script {
		switch a.kind {
		case "echo":
			d.write(req, " (echo)")
		case "reply":
			d.write(a.data, "")
		case "unplug":
			l.unplug()
			d.record("(unplugged)")
		case "silence":
			d.record("(silence)")
		}
	}
}

func (d *device) write(b []byte, note string) {
	if _, err := d.f.Write(b); err != nil {
		d.record("(write failed: %v)", err)
		return
	}
	d.record("< %s%s", show(b), note)
}

// show renders text as a quoted string and anything else as hex.
func show(b []byte) string {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' {
			return hexdump(b)
		}
	}
	return fmt.Sprintf("%q", b)
}

func (d *device) record(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, fmt.Sprintf(format, args...))
}

// transcript waits for the script to finish and returns the exchange.
func (d *device) transcript() string {
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.log, "\n") + "\n"
}

func unquote(s string) (string, error) {
	var out string
	_, err := fmt.Sscanf(s, "%q", &out)
	return out, err
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}
