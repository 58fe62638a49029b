package serial

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	bugst "go.bug.st/serial"

	"github.com/branchready/branchready/checks/usb"
)

// fakeOpener hands out fakePorts and counts opens and closes, so that a
// test can prove no port is left open.
type fakeOpener struct {
	err    error               // returned by Open when set
	answer func([]byte) []byte // what the device sends back for a request
	mu     sync.Mutex
	opened []string
	open   int // ports currently open
	ports  []*fakePort
	handed chan *fakePort // when set, receives each port opened
}

func (o *fakeOpener) Open(name string, _ *bugst.Mode) (Port, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return nil, o.err
	}
	p := &fakePort{owner: o, answer: o.answer, data: make(chan []byte, 256), closed: make(chan struct{}), written: make(chan struct{})}
	o.opened = append(o.opened, name)
	o.open++
	o.ports = append(o.ports, p)
	if o.handed != nil {
		o.handed <- p
	}
	return p, nil
}

func (o *fakeOpener) stillOpen() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.open
}

// fakePort behaves as go.bug.st/serial does: Read blocks until data, the
// read timeout (0 bytes, no error) or Close (an error).
type fakePort struct {
	owner     *fakeOpener
	answer    func([]byte) []byte
	data      chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	closes    int
	timeout   time.Duration
	written   chan struct{} // closed once the request is written
	sent      bytes.Buffer
}

func (p *fakePort) Write(b []byte) (int, error) {
	select {
	case <-p.closed:
		return 0, errors.New("port closed")
	default:
	}
	p.sent.Write(b)
	if p.answer != nil {
		// One byte at a time: a reply may arrive in any number of reads.
		for _, c := range p.answer(b) {
			p.data <- []byte{c}
		}
	}
	close(p.written)
	return len(b), nil
}

func (p *fakePort) Read(b []byte) (int, error) {
	var timer <-chan time.Time
	if p.timeout >= 0 {
		timer = time.After(p.timeout)
	}
	select {
	case d := <-p.data:
		return copy(b, d), nil
	case <-p.closed:
		return 0, &bugst.PortError{}
	case <-timer:
		return 0, nil
	}
}

func (p *fakePort) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }
func (p *fakePort) ResetInputBuffer() error              { return nil }

func (p *fakePort) Close() error {
	p.owner.mu.Lock()
	defer p.owner.mu.Unlock()
	p.closes++
	p.closeOnce.Do(func() {
		close(p.closed)
		p.owner.open--
	})
	return nil
}

// fakeUSB lists a fixed set of devices.
type fakeUSB struct {
	devs []usb.Device
	err  error
}

func (f fakeUSB) Devices() ([]usb.Device, error) { return f.devs, f.err }

// awaitRun waits for a cancelled run to return. The bound is a liveness
// guard, far above any real wait: without it a run that ignores its context
// would hang until the reply timeout of an hour.
func awaitRun[T any](t *testing.T, done <-chan T) T {
	t.Helper()
	select {
	case v := <-done:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	var zero T
	return zero
}
