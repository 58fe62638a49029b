package serial

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	bugst "go.bug.st/serial"

	"github.com/branchready/branchready/checks/usb"
)

// Port is an open serial port: what a check needs of go.bug.st/serial.Port.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// SetReadTimeout bounds the next Reads; a Read that times out returns
	// 0 bytes and no error.
	SetReadTimeout(d time.Duration) error
	// ResetInputBuffer drops bytes received before the request.
	ResetInputBuffer() error
	// Close must unblock a pending Read.
	Close() error
}

// Opener opens serial ports.
type Opener interface {
	Open(name string, mode *bugst.Mode) (Port, error)
}

// Hardware is what a check touches; zero fields mean the machine's own.
type Hardware struct {
	Opener Opener         // opens ports; default System
	USB    usb.Enumerator // finds a port by usb_id; default usb.System
}

func (h Hardware) withDefaults() Hardware {
	if h.Opener == nil {
		h.Opener = System{}
	}
	if h.USB == nil {
		h.USB = usb.System{}
	}
	return h
}

// System opens real ports through go.bug.st/serial.
type System struct{}

// Open opens name with mode.
func (System) Open(name string, mode *bugst.Mode) (Port, error) {
	p, err := bugst.Open(name, mode)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// once closes a port exactly once, whether ctx ends first or the run does.
type once struct {
	Port
	close sync.Once
	err   error
}

func (o *once) Close() error {
	o.close.Do(func() { o.err = o.Port.Close() })
	return o.err
}

// OpenReason turns an error opening the serial port name into what branch
// IT should do about it:
// "/dev/ttyUSB0 does not exist: is the cable or adapter plugged in?". name
// may carry a noun ("the modem's port /dev/ttyS0").
func OpenReason(name string, err error) string {
	var pe *bugst.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case bugst.PermissionDenied:
			return permissionDenied(name)
		case bugst.PortBusy:
			return fmt.Sprintf("%s is busy: another program has it open", name)
		case bugst.PortNotFound:
			return fmt.Sprintf("%s does not exist: is the cable or adapter plugged in?", name)
		case bugst.InvalidSerialPort:
			return fmt.Sprintf("%s is not a serial port: %v", name, err)
		}
	}
	switch {
	case errors.Is(err, fs.ErrPermission):
		return permissionDenied(name)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%s does not exist: is the cable or adapter plugged in?", name)
	}
	return fmt.Sprintf("cannot open %s: %v", name, err)
}

func permissionDenied(name string) string {
	return fmt.Sprintf("permission denied on %s: add the agent's user to the dialout group", name)
}
