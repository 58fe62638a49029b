package serial

import (
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bugst "go.bug.st/serial"

	"github.com/branchready/branchready/strictyaml"
)

// replyPort hands the check a fixed reply after its request, a few bytes
// per read, then ends the line (io.EOF), so a fuzzed reply never waits for
// a timeout.
type replyPort struct {
	reply   []byte
	step    int
	written bool
}

func (p *replyPort) Write(b []byte) (int, error) { p.written = true; return len(b), nil }

func (p *replyPort) Read(b []byte) (int, error) {
	if !p.written || len(p.reply) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.step)], p.reply)
	p.reply = p.reply[n:]
	return n, nil
}

func (p *replyPort) SetReadTimeout(time.Duration) error { return nil }
func (p *replyPort) ResetInputBuffer() error            { return nil }
func (p *replyPort) Close() error                       { return nil }

type replyOpener struct{ port *replyPort }

func (o replyOpener) Open(string, *bugst.Mode) (Port, error) { return o.port, nil }

// FuzzFrames runs every golden case's check against an arbitrary reply,
// seeded with the golden replies: no frame may crash the check.
func FuzzFrames(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "check.yaml"))
	var configs []Config
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var c Config
		if _, errs := strictyaml.Decode("check.yaml", raw, &c); len(errs) > 0 {
			f.Fatalf("%s: %v", file, errs)
		}
		c.Port = "/dev/ttyS0"
		configs = append(configs, c)
		want, _ := os.ReadFile(filepath.Join(filepath.Dir(file), "want.txt"))
		for _, line := range strings.Split(string(want), "\n") {
			if h, ok := strings.CutPrefix(line, "< "); ok {
				if b, err := hex.DecodeString(strings.ReplaceAll(h, " ", "")); err == nil {
					f.Add(uint8(len(configs)-1), uint8(1), b)
				} else {
					f.Add(uint8(len(configs)-1), uint8(3), []byte(h))
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, which, step uint8, reply []byte) {
		c := configs[int(which)%len(configs)]
		port := &replyPort{reply: reply, step: int(step%16) + 1}
		chk, err := New(c, Hardware{Opener: replyOpener{port}, USB: fakeUSB{}})
		if err != nil {
			t.Fatalf("golden config does not compile: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out := chk.Run(ctx); out.Reason == "" {
			t.Errorf("status %s without a reason", out.Status)
		}
	})
}
