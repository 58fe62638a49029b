//go:build !unix

package demo

import (
	"io"
	"net"
)

// refusingPort returns a loopback port nothing listens on (closed at once:
// on this platform the port is not held, see refused_unix.go).
func refusingPort() (string, io.Closer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	return addr, io.NopCloser(nil), l.Close()
}
