package modem

import (
	"fmt"
	"io"
	"time"

	"go.bug.st/serial"
)

// Port is the serial line to the modem.
type Port interface {
	io.ReadWriteCloser
	// SetReadTimeout makes Read return (0, nil) when nothing arrives
	// within d, so that the check can watch its context between reads.
	SetReadTimeout(d time.Duration) error
}

// Mode holds the line settings of the port, already validated by New.
type Mode struct {
	BaudRate int
	DataBits int
	Parity   string // none, odd, even, mark or space
	StopBits string // 1, 1.5 or 2
}

// Opener opens the named port with mode.
type Opener func(name string, mode Mode) (Port, error)

var parities = map[string]serial.Parity{
	"none": serial.NoParity, "odd": serial.OddParity, "even": serial.EvenParity,
	"mark": serial.MarkParity, "space": serial.SpaceParity,
}

var stopBits = map[string]serial.StopBits{
	"1": serial.OneStopBit, "1.5": serial.OnePointFiveStopBits, "2": serial.TwoStopBits,
}

// SerialOpener opens a real serial port (or a pty) with go.bug.st/serial.
func SerialOpener(name string, m Mode) (Port, error) {
	p, err := serial.Open(name, &serial.Mode{
		BaudRate: m.BaudRate, DataBits: m.DataBits,
		Parity: parities[m.Parity], StopBits: stopBits[m.StopBits],
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return p, nil
}
