package modem

import (
	"context"
	"encoding/binary"
	"fmt"
	"github.com/branchready/branchready/checks/golden"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/testpeer"
)

// iaxmodem (a spandsp software modem behind a pty) dials over IAX2 to the
// "server" of its config; here that is a UDP socket of the test standing in
// for the PBX, so the line's behaviour is the test's to choose.

// iaxLine is the PBX side of iaxmodem's line.
type iaxLine struct {
	pc     net.PacketConn
	reject bool // answer a call (IAX2 NEW) with REJECT; else stay silent
}

// IAX2 full frames (RFC 5456): frame type IAX, subclasses NEW and REJECT,
// information element CAUSE.
const (
	iaxFrameIAX  = 6
	iaxNew       = 1
	iaxReject    = 6
	iaxIECause   = 0x16
	iaxFullFrame = 0x8000
)

func startIAXLine(t *testing.T, reject bool) *iaxLine {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	l := &iaxLine{pc: pc, reject: reject}
	go l.serve()
	return l
}

func (l *iaxLine) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := l.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		f := buf[:n]
		isNew := n >= 12 && f[0]&0x80 != 0 && f[10] == iaxFrameIAX && f[11] == iaxNew
		if !isNew || !l.reject {
			continue
		}
		caller := binary.BigEndian.Uint16(f[0:2]) &^ iaxFullFrame
		cause := "no dial tone"
		out := binary.BigEndian.AppendUint16(nil, iaxFullFrame|1) // our call number
		out = binary.BigEndian.AppendUint16(out, caller)
		out = binary.BigEndian.AppendUint32(out, 5) // timestamp
		out = append(out, 0, f[8]+1, iaxFrameIAX, iaxReject, iaxIECause, byte(len(cause)))
		_, _ = l.pc.WriteTo(append(out, cause...), from)
	}
}

// startIAXModem writes a config for iaxmodem, which reads it only from
// /etc/iaxmodem/<name>, starts the modem and returns its pty's path.
func startIAXModem(t *testing.T, line *iaxLine) string {
	t.Helper()
	bin := testpeer.Require(t, "iaxmodem")
	dev := filepath.Join(shortTempDir(t), "ttyIAX")
	name := fmt.Sprintf("branchready-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	conf := filepath.Join("/etc/iaxmodem", name)
	if err := os.WriteFile(conf, []byte(iaxConfig(t, dev, line)), 0o600); err != nil {
		testpeer.Missing(t, "iaxmodem reads its config only from /etc/iaxmodem, which this user cannot write: "+err.Error())
	}
	t.Cleanup(func() { _ = os.Remove(conf) })
	cmd := exec.Command(bin, name)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start iaxmodem: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { stopIAXModem(cmd, exited) })
	waitForDevice(t, dev, exited, &log)
	return dev
}

// shortTempDir is a temporary directory with a short path: iaxmodem
// silently creates no device when its path is longer than about 60 bytes,
// which t.TempDir's paths, named after the test, usually are.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "iax")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if len(dir) > 40 {
		t.Fatalf("the temporary directory %s is too long a path for iaxmodem's device; set TMPDIR to a shorter one", dir)
	}
	return dir
}

func iaxConfig(t *testing.T, dev string, line *iaxLine) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	// port 0: iaxmodem's own IAX2 socket takes any free port. refresh 0:
	// no registration, the "server" is reached only when dialling.
	return strings.Join([]string{
		"device " + dev, "owner " + u.Username + ":" + g.Name, "mode 600", "port 0", "refresh 0",
		"server " + line.pc.LocalAddr().String(), "peername branchready", "secret test",
		"cidname branchready", "cidnumber 900", "codec slinear", "",
	}, "\n")
}

// stopIAXModem ends the modem the way its init script does, with SIGTERM.
func stopIAXModem(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// waitForDevice waits for iaxmodem to link its pty to dev, which it does
// after logging "Modem started" and without telling: polling is all there is.
func waitForDevice(t *testing.T, dev string, exited <-chan struct{}, log fmt.Stringer) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(10 * time.Second)
	for {
		if _, err := os.Stat(dev); err == nil {
			return
		}
		select {
		case <-tick.C:
		case <-exited:
			t.Fatalf("iaxmodem exited before creating %s:\n%s", dev, log)
		case <-giveUp:
			t.Fatalf("iaxmodem did not create %s within 10s", dev)
		}
	}
}

// recorder is a Port that keeps what the check and the modem exchanged.
type recorder struct {
	Port
	mu  sync.Mutex
	log []string
	in  strings.Builder // modem bytes since the last command
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.flush()
	r.log = append(r.log, fmt.Sprintf("> %q", p))
	r.mu.Unlock()
	return r.Port.Write(p)
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Port.Read(p)
	r.mu.Lock()
	r.in.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

// flush records the modem's answer as lines: a pty hands its bytes over in
// chunks that differ from run to run, the lines do not.
func (r *recorder) flush() {
	for _, l := range strings.FieldsFunc(r.in.String(), func(c rune) bool { return c == '\r' || c == '\n' }) {
		r.log = append(r.log, fmt.Sprintf("< %q", l))
	}
	r.in.Reset()
}

func (r *recorder) transcript() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flush()
	return strings.Join(r.log, "\n") + "\n"
}

// TestAgainstIAXModem holds the dialogue with a real software modem:
// testdata/iaxmodem/<case>/ has the check's config, the transcript (the
// check's bytes, the modem's lines) and the verdict.
func TestAgainstIAXModem(t *testing.T) {
	cases := []struct {
		name, dir string
		reject    bool
	}{
		{"a call the line rejects is reported as no dial tone", "rejected-call", true},
		{"a line that never answers the call times out and is hung up", "silent-line", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "iaxmodem", tc.dir)
			dev := startIAXModem(t, startIAXLine(t, tc.reject))
			rec := &recorder{}
			open := func(_ string, m Mode) (Port, error) {
				p, err := SerialOpener(dev, m)
				rec.Port = p
				return rec, err
			}
			chk, err := New(golden.Decode[Config](t, filepath.Join(dir, "config.yaml")), WithOpener(open))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got := verdict(chk.Run(ctx))
			if !strings.Contains(got, `modem "spandsp" on /dev/ttyIAX`) {
				t.Errorf("the handshake (ATZ) and identification (ATI) did not both pass: %s", got)
			}
			golden.Compare(t, filepath.Join(dir, "result.txt"), got)
			golden.Compare(t, filepath.Join(dir, "transcript.txt"), rec.transcript())
		})
	}
}
