package modem

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/strictyaml"
)

// scriptPort answers each command written with the next reply of a fixed
// script, and ends the line (io.EOF) once the script is spent, so that a
// fuzzed dialogue never waits for a timeout.
type scriptPort struct {
	replies [][]byte
	pending []byte
}

func (p *scriptPort) Write(b []byte) (int, error) {
	if bytes.HasSuffix(b, []byte("\r")) && len(p.replies) > 0 {
		p.pending = append(p.pending, p.replies[0]...)
		p.replies = p.replies[1:]
	}
	return len(b), nil
}

func (p *scriptPort) Read(b []byte) (int, error) {
	if len(p.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

func (p *scriptPort) SetReadTimeout(time.Duration) error { return nil }
func (p *scriptPort) Close() error                       { return nil }

// FuzzReplies runs the check against a modem whose replies to successive
// commands are the fuzz input split at NUL bytes, seeded from the golden
// modems: no reply may crash the check or keep it past its deadline.
func FuzzReplies(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "*", "modem.txt"))
	var configs []Config
	for _, file := range dirs {
		dir := filepath.Dir(file)
		raw, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
		if err != nil {
			continue
		}
		var c Config
		if _, errs := strictyaml.Decode("config.yaml", raw, &c); len(errs) > 0 {
			continue
		}
		configs = append(configs, c)
		script, _ := os.ReadFile(file)
		var replies []string
		for _, line := range strings.Split(string(script), "\n") {
			if _, q, ok := strings.Cut(line, " => "); ok {
				if s, err := strconv.Unquote(q); err == nil {
					replies = append(replies, s)
				}
			}
		}
		f.Add(uint8(len(configs)-1), []byte(strings.Join(replies, "\x00")))
	}
	if len(configs) == 0 {
		configs = append(configs, Config{Port: "/dev/ttyS0"})
	}
	f.Add(uint8(0), []byte("\r\nRING\r\n\x00+CME ERROR: 3\r\n\x00CONNECT 33600\r\n"))
	f.Fuzz(func(t *testing.T, which uint8, input []byte) {
		c := configs[int(which)%len(configs)]
		var replies [][]byte
		for _, r := range bytes.Split(input, []byte{0}) {
			replies = append(replies, r)
		}
		chk, err := New(c, WithOpener(func(string, Mode) (Port, error) { return &scriptPort{replies: replies}, nil }))
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
