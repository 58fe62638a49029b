package tcp

import (
	"bytes"
	"errors"
	"io"
	"regexp"
)

// maxReply bounds what one expect reads before giving up.
const maxReply = 64 * 1024

var errTooLong = errors.New("reply too long")

// replies reads a peer's bytes and hands each expect the text it has not
// yet consumed, so that a reply arriving early waits for its step.
type replies struct {
	conn    io.Reader
	pending []byte
}

// await reads until re matches the unconsumed text, returning the match's
// groups and consuming through its end. On failure it returns what was read.
func (r *replies) await(re *regexp.Regexp) ([]string, string, error) {
	buf := make([]byte, 4096)
	for {
		if m, ok := r.take(re); ok {
			return m, "", nil
		}
		if len(r.pending) >= maxReply {
			return nil, string(r.pending), errTooLong
		}
		n, err := r.conn.Read(buf)
		r.pending = append(r.pending, buf[:n]...)
		if err != nil {
			if m, ok := r.take(re); ok {
				return m, "", nil
			}
			return nil, string(r.pending), err
		}
	}
}

// take consumes the first match of re, if any.
func (r *replies) take(re *regexp.Regexp) ([]string, bool) {
	loc := re.FindSubmatchIndex(r.pending)
	if loc == nil {
		return nil, false
	}
	m := groups(r.pending, loc)
	r.pending = r.pending[restOfLine(r.pending, loc[1]):]
	return m, true
}

// restOfLine returns where the line holding end finishes: text protocols
// answer in lines, and the tail of a matched line is not the next reply.
func restOfLine(b []byte, end int) int {
	if end > 0 && b[end-1] == '\n' {
		return end
	}
	if i := bytes.IndexByte(b[end:], '\n'); i >= 0 {
		return end + i + 1
	}
	return end
}

func groups(b []byte, loc []int) []string {
	m := make([]string, len(loc)/2)
	for i := range m {
		if loc[2*i] >= 0 {
			m[i] = string(b[loc[2*i]:loc[2*i+1]])
		}
	}
	return m
}
