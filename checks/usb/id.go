package usb

import (
	"fmt"
	"strconv"
	"strings"
)

// ID is a USB vendor and product id.
type ID struct {
	Vendor, Product uint16
}

// ParseID reads "0403:6001" (hex, case-insensitive, optional 0x prefixes).
func ParseID(s string) (ID, error) {
	v, p, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return ID{}, fmt.Errorf("%q: must be vendor:product in hex, e.g. 0403:6001", s)
	}
	vid, err1 := parseHex16(v)
	pid, err2 := parseHex16(p)
	if err1 != nil || err2 != nil {
		return ID{}, fmt.Errorf("%q: must be vendor:product in hex, e.g. 0403:6001", s)
	}
	return ID{Vendor: vid, Product: pid}, nil
}

func parseHex16(s string) (uint16, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 4 {
		return 0, fmt.Errorf("%q: not a 16-bit hex number", s)
	}
	n, err := strconv.ParseUint(s, 16, 16)
	return uint16(n), err
}

// String renders the id as lsusb does: 0403:6001.
func (id ID) String() string { return fmt.Sprintf("%04x:%04x", id.Vendor, id.Product) }

// Describe renders the id with its vendor's name when known:
// "0403:6001 (FTDI)".
func (id ID) Describe() string {
	if name, ok := vendors[id.Vendor]; ok {
		return id.String() + " (" + name + ")"
	}
	return id.String()
}

// vendors names the makers of USB-serial chips and counter equipment most
// often met in branches, so that a reason says "FTDI" rather than "0403".
var vendors = map[uint16]string{
	0x0403: "FTDI",
	0x067b: "Prolific",
	0x10c4: "Silicon Labs",
	0x1a86: "QinHeng CH340",
	0x04b8: "Epson",
	0x0519: "Star Micronics",
	0x0483: "STMicroelectronics",
	0x04d8: "Microchip",
	0x2341: "Arduino",
}
