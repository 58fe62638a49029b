package demo

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// devices are the simulated devices of all demo branches, on loopback.
type devices struct {
	listeners []net.Listener
	servers   []*http.Server
	held      []io.Closer // ports kept refusing (see refusingPort)
}

func (d *devices) close() {
	for _, l := range d.listeners {
		_ = l.Close()
	}
	for _, h := range d.held {
		_ = h.Close()
	}
	for _, s := range d.servers {
		_ = s.Close()
	}
}

// tcpUp starts a TCP service that accepts and greets, and returns its address.
func (d *devices) tcpUp(greeting string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	d.listeners = append(d.listeners, l)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(greeting))
			_ = c.Close()
		}
	}()
	return l.Addr().String(), nil
}

// tcpDown returns the address of a port nothing listens on: a device that
// is switched off.
func (d *devices) tcpDown() (string, error) {
	addr, held, err := refusingPort()
	if err != nil {
		return "", err
	}
	d.held = append(d.held, held)
	return addr, nil
}

// httpDevice serves status pages; fail decides, per request, whether the
// device is broken right now.
func (d *devices) httpDevice(okBody, failBody string, failCode int, fail func() bool) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if fail() {
			w.WriteHeader(failCode)
			fmt.Fprint(w, failBody)
			return
		}
		fmt.Fprint(w, okBody)
	})}
	d.servers = append(d.servers, s)
	go func() { _ = s.Serve(l) }()
	return "http://" + l.Addr().String() + "/status", nil
}

// failingUntil reports true until t, then false: a device being repaired.
func failingUntil(t time.Time) func() bool {
	var fixed atomic.Bool
	return func() bool {
		if fixed.Load() {
			return false
		}
		if time.Now().After(t) {
			fixed.Store(true)
			return false
		}
		return true
	}
}

func always(v bool) func() bool { return func() bool { return v } }
