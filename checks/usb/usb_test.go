package usb

import (
	"context"
	"errors"
	"github.com/branchready/branchready/testpeer"
	"testing"
)

// fakeEnumerator lists fixed devices; block makes it hang until released.
type fakeEnumerator struct {
	devs  []Device
	err   error
	block chan struct{}
}

func (f fakeEnumerator) Devices() ([]Device, error) {
	if f.block != nil {
		<-f.block
	}
	return f.devs, f.err
}

var (
	ftdi     = ID{Vendor: 0x0403, Product: 0x6001}
	prolific = ID{Vendor: 0x067b, Product: 0x2303}
)

func TestRun(t *testing.T) {
	cases := []struct {
		name   string
		c      Config
		enum   fakeEnumerator
		status string
		reason string
	}{
		{"a connected device is ok and names its port",
			Config{ID: "0403:6001"}, fakeEnumerator{devs: []Device{{Port: "/dev/ttyUSB0", ID: ftdi}}},
			"ok", "USB device 0403:6001 (FTDI) is connected on /dev/ttyUSB0"},
		{"an absent device fails",
			Config{ID: "0403:6001"}, fakeEnumerator{devs: []Device{{Port: "/dev/ttyUSB0", ID: prolific}}},
			"fail", "USB device 0403:6001 (FTDI) is not connected"},
		{"no USB devices at all fails",
			Config{ID: "067B:2303"}, fakeEnumerator{},
			"fail", "USB device 067b:2303 (Prolific) is not connected"},
		{"a device with an unknown vendor is named by its id",
			Config{ID: "1234:abcd"}, fakeEnumerator{},
			"fail", "USB device 1234:abcd is not connected"},
		{"the wrong serial number fails and says which one is there",
			Config{ID: "0403:6001", SerialNumber: "A1"}, fakeEnumerator{devs: []Device{{Port: "/dev/ttyUSB1", ID: ftdi, SerialNumber: "B2"}}},
			"fail", `USB device 0403:6001 (FTDI) with serial number A1 is not connected; another 0403:6001 is connected: serial number "B2" on /dev/ttyUSB1`},
		{"the right serial number among several is ok",
			Config{ID: "0403:6001", SerialNumber: "A1", Name: "banknote counter"}, fakeEnumerator{devs: []Device{
				{Port: "/dev/ttyUSB0", ID: ftdi, SerialNumber: "B2"}, {Port: "/dev/ttyUSB1", ID: ftdi, SerialNumber: "A1"}}},
			"ok", "banknote counter (USB 0403:6001 (FTDI) with serial number A1) is connected on /dev/ttyUSB1"},
		{"a named device that is absent says what it is",
			Config{ID: "0403:6001", Name: "banknote counter"}, fakeEnumerator{},
			"fail", "banknote counter (USB 0403:6001 (FTDI)) is not connected"},
		{"an enumeration error is unknown",
			Config{ID: "0403:6001"}, fakeEnumerator{err: errors.New("sysfs unreadable")},
			"unknown", "cannot list USB serial devices: sysfs unreadable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chk, err := New(tc.c, tc.enum)
			if err != nil {
				t.Fatal(err)
			}
			out := chk.Run(context.Background())
			if string(out.Status) != tc.status || out.Reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", out.Status, out.Reason, tc.status, tc.reason)
			}
		})
	}
}

func TestAHangingEnumerationEndsWithTheContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	chk, err := New(Config{ID: "0403:6001"}, fakeEnumerator{block: release})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := chk.Run(ctx)
	if out.Status != "unknown" || out.Reason != "listing USB devices did not finish before the check's timeout" {
		t.Errorf("got %s %q", out.Status, out.Reason)
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a missing id", Config{}, "id: must be set to vendor:product in hex, e.g. 0403:6001"},
		{"an id without a colon", Config{ID: "04036001"}, `id: "04036001": must be vendor:product in hex, e.g. 0403:6001`},
		{"an id that is not hex", Config{ID: "FTDI:6001"}, `id: "FTDI:6001": must be vendor:product in hex, e.g. 0403:6001`},
		{"an id too long", Config{ID: "10403:6001"}, `id: "10403:6001": must be vendor:product in hex, e.g. 0403:6001`},
		{"a serial number with spaces around it", Config{ID: "0403:6001", SerialNumber: " A1"}, `serial_number: " A1": must not start or end with spaces`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c, nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseIDAcceptsWhatLsusbAndWindowsShow(t *testing.T) {
	for _, s := range []string{"0403:6001", "0403:6001 ", "0x0403:0x6001", "403:6001"} {
		id, err := ParseID(s)
		if err != nil || id != ftdi {
			t.Errorf("ParseID(%q) = %v, %v; want %v", s, id, err, ftdi)
		}
	}
}

// TestTheSystemEnumeratorRuns lists this machine's USB serial devices: in
// CI there are none, so this proves only that the real enumerator works
// and leaves out ports that are not USB.
func TestTheSystemEnumeratorRuns(t *testing.T) {
	devs, err := System{}.Devices()
	if err != nil {
		testpeer.Missing(t, "this machine cannot enumerate serial ports: "+err.Error())
	}
	for _, d := range devs {
		if d.Port == "" || d.ID == (ID{}) {
			t.Errorf("an enumerated device lacks a port or id: %+v", d)
		}
	}
}
