package serial

import (
	"bytes"
	"errors"
	"regexp"
	"time"
)

var (
	errTimeout   = errors.New("no complete reply before the deadline")
	errMalformed = errors.New("malformed frame")
)

// reader collects a reply from a port until a frame is complete or the
// deadline passes. It keeps what it dropped, for the reason.
type reader struct {
	port     Port
	deadline time.Time
	buf      []byte // received and not yet dropped
	noise    []byte // dropped while looking for the frame start
	echo     []byte // echo still expected; nil once decided
	echoed   bool
	chunk    [256]byte
}

// fill reads once, waiting at most until the deadline.
func (r *reader) fill() error {
	for {
		left := time.Until(r.deadline)
		if left <= 0 {
			return errTimeout
		}
		if err := r.port.SetReadTimeout(left); err != nil {
			return err
		}
		n, err := r.port.Read(r.chunk[:])
		r.buf = append(r.buf, r.chunk[:n]...)
		if err != nil || n > 0 {
			return err
		}
	}
}

// skipEcho drops the echo of the request when the reply starts with it;
// it returns false while too few bytes have arrived to tell.
func (r *reader) skipEcho() bool {
	if r.echo == nil {
		return true
	}
	k := min(len(r.buf), len(r.echo))
	switch {
	case !bytes.Equal(r.buf[:k], r.echo[:k]):
		r.echo = nil // this line does not echo
	case k == len(r.echo):
		r.buf, r.echo, r.echoed = r.buf[k:], nil, true
	default:
		return false
	}
	return true
}

// dropNoise drops bytes before the frame start, keeping a tail that may be
// the start of a sync sequence still arriving.
func (r *reader) dropNoise(sync []byte) {
	if len(sync) == 0 {
		return
	}
	if i := bytes.Index(r.buf, sync); i >= 0 {
		r.drop(i)
		return
	}
	keep := 0
	for k := min(len(sync)-1, len(r.buf)); k > 0; k-- {
		if bytes.HasSuffix(r.buf, sync[:k]) {
			keep = k
			break
		}
	}
	r.drop(len(r.buf) - keep)
}

func (r *reader) drop(n int) {
	r.noise = append(r.noise, r.buf[:n]...)
	r.buf = r.buf[n:]
}

// frame reads until f says a frame is complete.
func (r *reader) frame(f framing) ([]byte, error) {
	for {
		if r.skipEcho() {
			r.dropNoise(f.sync)
			fr, err := f.cut(r.buf)
			if fr != nil || err != nil {
				return fr, err
			}
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// cut returns the complete frame at the start of buf, or nil for "not yet".
func (f framing) cut(buf []byte) ([]byte, error) {
	n := f.fixed
	if f.length != nil {
		if len(buf) <= f.length.Offset {
			return nil, nil
		}
		n = int(buf[f.length.Offset]) + f.length.Add
		if n < f.minLength {
			return nil, errMalformed
		}
	}
	if len(buf) < n {
		return nil, nil
	}
	return buf[:n], nil
}

// text reads until re matches what arrived; it returns the submatches.
func (r *reader) text(re *regexp.Regexp) ([]string, error) {
	for {
		if r.skipEcho() {
			if m := re.FindSubmatch(r.buf); m != nil {
				out := make([]string, len(m))
				for i, g := range m {
					out[i] = string(g)
				}
				return out, nil
			}
			if len(r.buf) > maxText {
				return nil, errMalformed
			}
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// maxText bounds what a text reply may hold before the check gives up.
const maxText = 64 * 1024
