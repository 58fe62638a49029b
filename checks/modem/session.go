package modem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// poll is how long one Read may block, so that the context is watched.
const poll = 50 * time.Millisecond

// maxPending bounds what a chatty modem may send for one command.
const maxPending = 16 * 1024

var (
	// errSilent is returned when the modem sent no final result code in time.
	errSilent = errors.New("no answer")
	errChatty = errors.New("modem sent too much without a result code")
)

// finals are the verbose result codes that end a command.
// LINE IN USE is what modems with line sensing (many Conexant and
// Agere chips) answer when an extension already holds the line.
var finals = []string{"OK", "ERROR", "NO CARRIER", "NO DIALTONE", "NO DIAL TONE", "BUSY", "NO ANSWER", "LINE IN USE"}

// reply is a modem's answer to one command.
type reply struct {
	final string   // the result code, e.g. OK or NO DIALTONE
	info  []string // the lines before it, echo removed
}

// text joins the information lines.
func (r reply) text() string { return strings.Join(r.info, " ") }

// session is one conversation with the modem over an open port.
type session struct {
	port    Port
	pending []byte
	// busy is true while a command waits for its result code: the next
	// byte sent aborts it, so the hang-up sends a lone CR first.
	busy bool
}

// command sends cmd and waits up to timeout (and at most until ctx is done)
// for its result code.
func (s *session) command(ctx context.Context, cmd string, timeout time.Duration) (reply, error) {
	s.pending = nil // a late answer to an earlier command is not this one's
	if _, err := s.port.Write([]byte(cmd + "\r")); err != nil {
		return reply{}, fmt.Errorf("write %s: %w", cmd, err)
	}
	s.busy = true
	r, err := s.await(ctx, cmd, time.Now().Add(timeout))
	if err == nil {
		s.busy = false
	}
	return r, err
}

// await reads lines until a result code, the deadline or the end of ctx.
func (s *session) await(ctx context.Context, cmd string, deadline time.Time) (reply, error) {
	var r reply
	buf := make([]byte, 512)
	for {
		for {
			line, ok := s.line()
			if !ok {
				break
			}
			switch {
			case line == "" || strings.EqualFold(line, cmd):
				// blank separators, and the echo of an ATE1 modem
			case isFinal(line):
				r.final = line
				return r, nil
			default:
				r.info = append(r.info, line)
			}
		}
		if err := ctx.Err(); err != nil {
			return r, err
		}
		if !time.Now().Before(deadline) {
			return r, errSilent
		}
		if len(s.pending) > maxPending {
			return r, errChatty
		}
		n, err := s.port.Read(buf)
		s.pending = append(s.pending, buf[:n]...)
		if err != nil {
			return r, fmt.Errorf("read: %w", err)
		}
	}
}

// line takes one complete line (ended by CR or LF) from the pending bytes.
func (s *session) line() (string, bool) {
	i := bytes.IndexAny(s.pending, "\r\n")
	if i < 0 {
		return "", false
	}
	line := strings.TrimSpace(string(s.pending[:i]))
	s.pending = s.pending[i+1:]
	return line, true
}

func isFinal(line string) bool {
	u := strings.ToUpper(line)
	for _, f := range finals {
		if u == f {
			return true
		}
	}
	return strings.HasPrefix(u, "CONNECT") || strings.HasPrefix(u, "+CME ERROR")
}
