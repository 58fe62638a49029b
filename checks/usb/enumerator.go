package usb

import (
	"context"
	"fmt"
	"strings"

	"go.bug.st/serial/enumerator"
)

// Device is one enumerated USB device that presents a serial port.
type Device struct {
	Port         string // /dev/ttyUSB0, COM3
	ID           ID
	SerialNumber string
	Product      string // iProduct, when the platform reports it
}

// Enumerator lists the USB devices currently connected.
type Enumerator interface {
	Devices() ([]Device, error)
}

// List enumerates through enum. Enumeration takes no context, so it runs
// aside and List returns ctx's error as soon as ctx ends.
func List(ctx context.Context, enum Enumerator) ([]Device, error) {
	type listing struct {
		devs []Device
		err  error
	}
	done := make(chan listing, 1)
	go func() {
		devs, err := enum.Devices()
		done <- listing{devs, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case l := <-done:
		return l.devs, l.err
	}
}

// System enumerates the machine's USB serial devices through
// go.bug.st/serial/enumerator (sysfs on Linux, SetupAPI on Windows).
type System struct{}

// Devices lists the USB serial ports; ports that are not USB are left out.
func (System) Devices() ([]Device, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	var out []Device
	for _, p := range ports {
		if p == nil || !p.IsUSB {
			continue
		}
		vid, err1 := parseHex16(p.VID)
		pid, err2 := parseHex16(p.PID)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, Device{
			Port: p.Name, ID: ID{Vendor: vid, Product: pid},
			SerialNumber: strings.TrimSpace(p.SerialNumber), Product: p.Product,
		})
	}
	return out, nil
}

// Match is what one lookup by id found: the devices that match, and those
// that have the id but another serial number (for the reason).
type Match struct {
	Found  []Device
	Others []Device
}

// Find looks id (and serial, when not empty) up among devs.
func Find(devs []Device, id ID, serial string) Match {
	var m Match
	for _, d := range devs {
		switch {
		case d.ID != id:
		case serial == "" || d.SerialNumber == serial:
			m.Found = append(m.Found, d)
		default:
			m.Others = append(m.Others, d)
		}
	}
	return m
}

// Wanted names what was looked for, for reasons:
// "0403:6001 (FTDI) with serial number A1B2".
func Wanted(id ID, serial string) string {
	if serial == "" {
		return id.Describe()
	}
	return id.Describe() + " with serial number " + serial
}

// Elsewhere describes devices with the right id but another serial number:
// `; another 0403:6001 is connected: serial number "X9" on /dev/ttyUSB1`.
func (m Match) Elsewhere() string {
	if len(m.Others) == 0 {
		return ""
	}
	var parts []string
	for _, d := range m.Others {
		parts = append(parts, fmt.Sprintf("serial number %q on %s", d.SerialNumber, d.Port))
	}
	return fmt.Sprintf("; another %s is connected: %s", m.Others[0].ID, strings.Join(parts, ", "))
}

// Ports lists the ports of devs: "/dev/ttyUSB0, /dev/ttyUSB1".
func Ports(devs []Device) string {
	var names []string
	for _, d := range devs {
		names = append(names, d.Port)
	}
	return strings.Join(names, ", ")
}
