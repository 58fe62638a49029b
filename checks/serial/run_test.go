package serial

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/usb"
)

var ftdi = usb.ID{Vendor: 0x0403, Product: 0x6001}

func mustNew(t *testing.T, c Config, hw Hardware) *Check {
	t.Helper()
	chk, err := New(c, hw)
	if err != nil {
		t.Fatal(err)
	}
	return chk
}

func reply(h string) func([]byte) []byte {
	return func([]byte) []byte {
		b, _ := hex.DecodeString(h)
		return b
	}
}

func runFor(chk *Check, d time.Duration) checks.Outcome {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return chk.Run(ctx)
}

func TestRunWithFakeHardware(t *testing.T) {
	cases := []struct {
		name   string
		c      Config
		opener *fakeOpener
		usb    fakeUSB
		status string
		reason string
	}{
		{
			"a port the agent may not open fails with what to do",
			Config{Preset: "id003", Port: "/dev/ttyUSB0"},
			&fakeOpener{err: &os.PathError{Op: "open", Path: "/dev/ttyUSB0", Err: syscall.EACCES}}, fakeUSB{},
			"fail", "permission denied on /dev/ttyUSB0: add the agent's user to the dialout group",
		},
		{
			"a missing port fails and suggests the cable",
			Config{Preset: "id003", Port: "/dev/ttyUSB7"},
			&fakeOpener{err: &os.PathError{Op: "open", Path: "/dev/ttyUSB7", Err: syscall.ENOENT}}, fakeUSB{},
			"fail", "/dev/ttyUSB7 does not exist: is the cable or adapter plugged in?",
		},
		{
			"a USB device that is not plugged in fails",
			Config{Preset: "id003", USBID: "0403:6001"},
			&fakeOpener{}, fakeUSB{devs: []usb.Device{{Port: "/dev/ttyUSB0", ID: usb.ID{Vendor: 0x067b, Product: 0x2303}}}},
			"fail", "no serial device with USB id 0403:6001 (FTDI) is connected",
		},
		{
			"a USB device with another serial number is named in the reason",
			Config{Preset: "id003", USBID: "0403:6001", USBSerial: "A1"},
			&fakeOpener{}, fakeUSB{devs: []usb.Device{{Port: "/dev/ttyUSB1", ID: ftdi, SerialNumber: "B2"}}},
			"fail", `no serial device with USB id 0403:6001 (FTDI) with serial number A1 is connected; another 0403:6001 is connected: serial number "B2" on /dev/ttyUSB1`,
		},
		{
			"two devices with the same USB id and no serial number are ambiguous",
			Config{Preset: "id003", USBID: "0403:6001"},
			&fakeOpener{}, fakeUSB{devs: []usb.Device{{Port: "/dev/ttyUSB0", ID: ftdi}, {Port: "/dev/ttyUSB1", ID: ftdi}}},
			"unknown", "2 serial devices with USB id 0403:6001 (FTDI) are connected (/dev/ttyUSB0, /dev/ttyUSB1): set usb_serial to pick one",
		},
		{
			"an enumeration error is unknown, not a device fault",
			Config{Preset: "id003", USBID: "0403:6001"},
			&fakeOpener{}, fakeUSB{err: errors.New("sysfs unreadable")},
			"unknown", "cannot list USB serial devices: sysfs unreadable",
		},
		{
			"a USB device found by id is polled on its port",
			Config{Preset: "id003", USBID: "0403:6001", USBSerial: "A1"},
			&fakeOpener{answer: reply("fc0543" + crcHex("fc0543"))}, fakeUSB{devs: []usb.Device{
				{Port: "/dev/ttyUSB0", ID: ftdi, SerialNumber: "Z9"}, {Port: "/dev/ttyUSB3", ID: ftdi, SerialNumber: "A1"}}},
			"fail", "ID-003 bill validator on /dev/ttyUSB3: stacker full: empty the cash box",
		},
		{
			"a ccTalk reply after the echo is judged, byte by byte",
			Config{Preset: "cctalk", Port: "/dev/ttyS0"},
			&fakeOpener{answer: func(req []byte) []byte { return append(append([]byte{}, req...), 0x01, 0x00, 0x02, 0x00, 0xfd) }}, fakeUSB{},
			"ok", "ccTalk device at address 2 on /dev/ttyS0: answers the poll (ACK)",
		},
		{
			"a failure code travels with the reason",
			Config{Preset: "ccnet", Port: "/dev/ttyS0"},
			&fakeOpener{answer: reply("02030747" + "50" + crcHex("0203074750"))}, fakeUSB{},
			"fail", "CCNET bill validator on /dev/ttyS0: failure (code 50): call the vendor",
		},
		{
			"a text device answering a matching status",
			Config{Port: "COM3", RequestText: "STATUS\r\n", ReplyRegex: `STATUS (\w+)\r\n`,
				Statuses: map[string]Verdict{"READY": {Status: "ok", Reason: "ready"}, "PAPER_LOW": {Status: "degraded", Reason: "paper low"}}},
			&fakeOpener{answer: func([]byte) []byte { return []byte("STATUS PAPER_LOW\r\n") }}, fakeUSB{},
			"degraded", "serial device on COM3: paper low",
		},
		{
			"a text status missing from the table is degraded",
			Config{Port: "COM3", RequestText: "S\r", ReplyRegex: `S=(\w+)\r`, DeviceName: "banknote counter",
				Statuses: map[string]Verdict{"0": {Status: "ok"}}},
			&fakeOpener{answer: func([]byte) []byte { return []byte("S=7\r") }}, fakeUSB{},
			"degraded", `banknote counter on COM3: unexpected status "7"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chk := mustNew(t, tc.c, Hardware{Opener: tc.opener, USB: tc.usb})
			out := runFor(chk, 2*time.Second)
			if string(out.Status) != tc.status || out.Reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", out.Status, out.Reason, tc.status, tc.reason)
			}
			if n := tc.opener.stillOpen(); n != 0 {
				t.Errorf("%d port(s) left open", n)
			}
		})
	}
}

func crcHex(h string) string {
	b, _ := hex.DecodeString(h)
	return hex.EncodeToString(crc16Kermit(b))
}

func TestACancelledRunClosesThePort(t *testing.T) {
	opener := &fakeOpener{handed: make(chan *fakePort, 1)} // a device that never answers
	chk := mustNew(t, Config{Preset: "ccnet", Port: "/dev/ttyS0", ReplyTimeout: time.Hour}, Hardware{Opener: opener})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan checks.Outcome)
	go func() { done <- chk.Run(ctx) }()
	waitWritten(t, opener)
	cancel()
	out := awaitRun(t, done)
	if out.Status != "unknown" || out.Reason != "CCNET bill validator on /dev/ttyS0: the check was cancelled before the device answered" {
		t.Errorf("got %s %q", out.Status, out.Reason)
	}
	if n := opener.stillOpen(); n != 0 {
		t.Errorf("%d port(s) left open after cancel", n)
	}
}

func TestTheCheckDeadlineEndsTheWaitAndClosesThePort(t *testing.T) {
	opener := &fakeOpener{}
	chk := mustNew(t, Config{Preset: "cctalk", Port: "/dev/ttyS0", Echo: "none"}, Hardware{Opener: opener})
	out := runFor(chk, 300*time.Millisecond)
	if out.Status != "fail" || out.Reason != "ccTalk device at address 2 on /dev/ttyS0 did not answer within 300 ms" {
		t.Errorf("got %s %q", out.Status, out.Reason)
	}
	if n := opener.stillOpen(); n != 0 {
		t.Errorf("%d port(s) left open", n)
	}
}

// waitWritten blocks until the check has written its request.
func waitWritten(t *testing.T, o *fakeOpener) {
	t.Helper()
	select {
	case p := <-o.handed:
		<-p.written
	case <-t.Context().Done():
	}
}

func TestOpenReasons(t *testing.T) {
	err := &os.PathError{Op: "open", Path: "x", Err: syscall.EIO}
	if got := OpenReason("/dev/ttyS3", err); got != "cannot open /dev/ttyS3: open x: input/output error" {
		t.Errorf("got %q", got)
	}
	if !errors.Is(syscall.EACCES, fs.ErrPermission) {
		t.Fatal("EACCES no longer maps to fs.ErrPermission")
	}
}

func TestARunWhoseTimeHasAlreadyPassedSaysSo(t *testing.T) {
	opener := &fakeOpener{}
	chk := mustNew(t, Config{Preset: "id003", Port: "/dev/ttyS0"}, Hardware{Opener: opener})
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	out := chk.Run(ctx)
	if out.Status != "fail" || out.Reason != "ID-003 bill validator on /dev/ttyS0: the check's timeout passed before the request was sent" {
		t.Errorf("got %s %q", out.Status, out.Reason)
	}
	if n := opener.stillOpen(); n != 0 {
		t.Errorf("%d port(s) left open", n)
	}
}
