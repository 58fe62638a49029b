//go:build unix

package demo

import (
	"fmt"
	"io"
	"syscall"
)

// refusingPort binds a TCP socket on loopback and never listens on it: a
// connection to it is refused, and the port stays ours until the returned
// closer runs, so no other program can start listening there meanwhile (a
// closed port can be handed to the next program that asks for one, and the
// switched-off device would then answer).
func refusingPort() (string, io.Closer, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", nil, fmt.Errorf("reserve a refusing port: %w", err)
	}
	syscall.CloseOnExec(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		_ = syscall.Close(fd)
		return "", nil, fmt.Errorf("reserve a refusing port: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	in, ok := sa.(*syscall.SockaddrInet4)
	if err != nil || !ok {
		_ = syscall.Close(fd)
		return "", nil, fmt.Errorf("reserve a refusing port: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", in.Port), fdCloser(fd), nil
}

type fdCloser int

func (f fdCloser) Close() error { return syscall.Close(int(f)) }
