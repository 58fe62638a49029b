package usb

import (
	"context"
	"strings"

	"github.com/branchready/branchready/checks"
)

// Config is the usb kind's options.
type Config struct {
	ID           string `yaml:"id" doc:"USB vendor:product id in hex, as lsusb shows it, e.g. 0403:6001."`
	SerialNumber string `yaml:"serial_number" doc:"USB serial number, when several devices share the id; default: any."`
	Name         string `yaml:"name" doc:"What the device is, for reasons (e.g. banknote counter); default: the id and its vendor."`
}

// Check is a compiled usb check.
type Check struct {
	id     ID
	serial string
	name   string
	enum   Enumerator
}

// New validates c. A nil enum means the machine's own (System).
func New(c Config, enum Enumerator) (*Check, error) {
	var p checks.Problems
	var id ID
	if c.ID == "" {
		p.Addf("id", "must be set to vendor:product in hex, e.g. 0403:6001")
	} else if parsed, err := ParseID(c.ID); err != nil {
		p.Addf("id", "%v", err)
	} else {
		id = parsed
	}
	if c.SerialNumber != strings.TrimSpace(c.SerialNumber) {
		p.Addf("serial_number", "%q: must not start or end with spaces", c.SerialNumber)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if enum == nil {
		enum = System{}
	}
	return &Check{id: id, serial: c.SerialNumber, name: c.Name, enum: enum}, nil
}

// Run enumerates the devices once.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	devs, err := List(ctx, c.enum)
	switch {
	case ctx.Err() != nil:
		return checks.Unknown("listing USB devices did not finish before the check's timeout")
	case err != nil:
		return checks.Unknown("cannot list USB serial devices: %v", err)
	}
	return c.judge(Find(devs, c.id, c.serial))
}

func (c *Check) judge(m Match) checks.Outcome {
	what := "USB device " + Wanted(c.id, c.serial)
	if c.name != "" {
		what = c.name + " (USB " + Wanted(c.id, c.serial) + ")"
	}
	n := float64(len(m.Found))
	if len(m.Found) == 0 {
		return checks.Fail("%s is not connected%s", what, m.Elsewhere()).Observe("usb_devices", n)
	}
	return checks.OK("%s is connected on %s", what, Ports(m.Found)).Observe("usb_devices", n)
}
