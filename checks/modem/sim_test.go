package modem

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// script is what the simulated modem answers: request line -> reply.
type script struct {
	echo    bool              // ATE1: echo every command line back
	replies map[string]string // reply, or silence
}

const silence = "(silence)"

// readScript parses lines of `COMMAND => "reply"` (a Go-quoted string, or
// (silence)); `(echo)` alone turns echo on; # starts a comment.
func readScript(file string) (script, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return script{}, err
	}
	s := script{replies: map[string]string{}}
	for i, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "(echo)" {
			s.echo = true
			continue
		}
		req, reply, ok := strings.Cut(line, " => ")
		if !ok {
			return s, fmt.Errorf("%s:%d: want `COMMAND => reply`", file, i+1)
		}
		if reply != silence {
			if reply, err = strconv.Unquote(reply); err != nil {
				return s, fmt.Errorf("%s:%d: reply: %w", file, i+1, err)
			}
		}
		s.replies[req] = reply
	}
	return s, nil
}

// sim is a Hayes modem simulator on one end of a serial line. It records
// the bytes exchanged, command by command.
type sim struct {
	script script
	// heard, when set, receives every command line as it arrives.
	heard chan string
	mu    sync.Mutex
	log   []string
	done  chan struct{}
	// hungUp is closed once ATH0 has been answered (or ignored).
	hungUp chan struct{}
	once   sync.Once
}

func newSim(s script) *sim {
	return &sim{script: s, done: make(chan struct{}), hungUp: make(chan struct{})}
}

// serve answers commands on rw until it fails (the check closed its end).
func (m *sim) serve(rw io.ReadWriter) {
	defer close(m.done)
	r := bufio.NewReader(rw)
	for {
		line, err := r.ReadString('\r')
		if err != nil {
			return
		}
		m.record("> %q", line)
		if m.script.echo {
			m.send(rw, line)
		}
		cmd := strings.TrimSpace(line)
		if m.heard != nil && cmd != "" {
			m.heard <- cmd
		}
		if cmd == "" {
			continue // a lone CR aborts; a real modem answers what it aborted
		}
		reply, ok := m.script.replies[cmd]
		switch {
		case !ok:
			m.send(rw, "\r\nERROR\r\n")
		case reply != silence:
			m.send(rw, reply)
		}
		if strings.EqualFold(cmd, "ATH0") {
			m.once.Do(func() { close(m.hungUp) })
		}
	}
}

func (m *sim) send(w io.Writer, s string) {
	m.record("< %q", s)
	_, _ = w.Write([]byte(s))
}

func (m *sim) record(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, fmt.Sprintf(format, args...))
}

// transcript returns the exchange so far.
func (m *sim) transcript() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.log, "\n") + "\n"
}
