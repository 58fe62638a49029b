package modem

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// pipePort is a Port over an in-memory pipe: the other end is a simulator.
type pipePort struct {
	net.Conn
	timeout time.Duration
}

func (p *pipePort) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }

// Read returns (0, nil) on a timeout, as go.bug.st/serial does.
func (p *pipePort) Read(b []byte) (int, error) {
	_ = p.Conn.SetReadDeadline(time.Now().Add(p.timeout))
	n, err := p.Conn.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// pipeOpener connects the check to m over a pipe.
func pipeOpener(t *testing.T, m *sim) Opener {
	return func(string, Mode) (Port, error) {
		check, device := net.Pipe()
		t.Cleanup(func() { _ = device.Close() })
		go func() {
			m.serve(device)
			_ = device.Close()
		}()
		return &pipePort{Conn: check}, nil
	}
}
