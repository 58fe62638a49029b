package serial

import (
	"fmt"

	"github.com/branchready/branchready/result"
)

// verdict is a compiled Verdict.
type verdict struct {
	status result.Status
	reason string
}

// preset is a built-in read-only poll.
type preset struct {
	defaultAddress int // 0: the protocol has no address
	noun           func(addr int) string
	request        func(addr int) []byte // without checksum
	sync           func(addr int) []byte
	checksum       string
	echo           string
	length         LengthByte
	statusByte     int
	statuses       map[byte]verdict
	other          verdict
	// protocol names the protocol in "not a ccTalk reply".
	protocol string
	// plausible, when set, says whether received bytes can be the start
	// of a reply, so that a device speaking something else is not called
	// "incomplete" when the reply timeout passes.
	plausible func(addr int, buf []byte) bool
}

func ok(reason string) verdict       { return verdict{result.StatusOK, reason} }
func degraded(reason string) verdict { return verdict{result.StatusDegraded, reason} }
func fail(reason string) verdict     { return verdict{result.StatusFail, reason} }

var presets = map[string]preset{
	"cctalk": ccTalk,
	"id003":  id003,
	"ccnet":  ccnet,
}

// ccTalk simple poll (header 254): the device answers an empty frame with
// header 0 (ACK). Frame: destination, data length, source (the host is 1),
// header, data, checksum. Single-wire buses echo the request.
var ccTalk = preset{
	defaultAddress: 2,
	noun:           func(a int) string { return fmt.Sprintf("ccTalk device at address %d", a) },
	request:        func(a int) []byte { return []byte{byte(a), 0, 1, 254} },
	sync:           func(int) []byte { return nil },
	checksum:       "sum8",
	echo:           "skip",
	length:         LengthByte{Offset: 1, Add: 5},
	statusByte:     3,
	statuses: map[byte]verdict{
		0x00: ok("answers the poll (ACK)"),
		0x05: degraded("refused the poll (NAK): line noise or wrong address?"),
		0x06: degraded("busy"),
	},
	other:    degraded("answered the poll with unexpected header {status}"),
	protocol: "ccTalk",
	plausible: func(addr int, buf []byte) bool {
		// A reply goes to the host (address 1) from the polled device.
		return (len(buf) < 1 || buf[0] == 1) && (len(buf) < 3 || int(buf[2]) == addr)
	},
}

// JCM ID-003 status request (0x11): frame 0xFC, length of the whole frame,
// status, data, CRC-16/KERMIT low byte first.
var id003 = preset{
	noun:       func(int) string { return "ID-003 bill validator" },
	request:    func(int) []byte { return []byte{0xfc, 0x05, 0x11} },
	sync:       func(int) []byte { return []byte{0xfc} },
	checksum:   "crc16-kermit",
	echo:       "none",
	length:     LengthByte{Offset: 1},
	statusByte: 2,
	statuses: map[byte]verdict{
		0x11: ok("idling"),
		0x12: ok("accepting a bill"),
		0x13: ok("holding a bill in escrow"),
		0x14: ok("stacking a bill"),
		0x15: ok("vend valid"),
		0x16: ok("bill stacked"),
		0x17: ok("rejecting a bill"),
		0x18: ok("returning a bill"),
		0x19: ok("holding a bill"),
		0x1a: degraded("disabled (inhibit): not accepting bills"),
		0x1b: degraded("initialising"),
		0x40: degraded("powered up, waiting for its host to initialise it"),
		0x41: degraded("powered up with a bill in the acceptor"),
		0x42: degraded("powered up with a bill in the stacker"),
		0x43: fail("stacker full: empty the cash box"),
		0x44: fail("stacker open: close or reinsert the cash box"),
		0x45: fail("bill jammed in the acceptor: clear the jam"),
		0x46: fail("bill jammed in the stacker: clear the jam"),
		0x47: degraded("paused: a second bill was inserted"),
		0x48: degraded("reported a cheat attempt"),
		0x49: fail("failure (code {data}): call the vendor"),
		0x4a: fail("communication error"),
		0x4b: degraded("rejected the status request as an invalid command"),
	},
	other: degraded("unexpected status {status}"),
}

// CashCode CCNET poll (0x33): frame 0x02, address, length of the whole
// frame, state, data, CRC-16/KERMIT low byte first (CCNET calls it CRC16
// with polynomial 0x08408).
var ccnet = preset{
	defaultAddress: 3,
	noun:           func(a int) string { return ccnetNoun(a) },
	request:        func(a int) []byte { return []byte{0x02, byte(a), 0x06, 0x33} },
	sync:           func(a int) []byte { return []byte{0x02, byte(a)} },
	checksum:       "crc16-kermit",
	echo:           "none",
	length:         LengthByte{Offset: 2},
	statusByte:     3,
	statuses: map[byte]verdict{
		0x10: degraded("powering up"),
		0x11: degraded("powered up with a bill in the validator"),
		0x12: degraded("powered up with a bill in the stacker"),
		0x13: degraded("initialising"),
		0x14: ok("idling"),
		0x15: ok("accepting a bill"),
		0x17: ok("stacking a bill"),
		0x18: ok("returning a bill"),
		0x19: degraded("disabled: not accepting bills"),
		0x1a: ok("holding a bill"),
		0x1b: ok("busy"),
		0x1c: ok("rejecting a bill"),
		0x30: degraded("rejected the poll as an illegal command"),
		0x41: fail("drop cassette full: empty the cassette"),
		0x42: fail("drop cassette out of position: reinsert the cassette"),
		0x43: fail("bill jammed in the validator: clear the jam"),
		0x44: fail("bill jammed in the drop cassette: clear the jam"),
		0x45: degraded("reported a cheat attempt"),
		0x46: degraded("paused: a second bill was inserted"),
		0x47: fail("failure (code {data}): call the vendor"),
		0x80: ok("holding a bill in escrow"),
		0x81: ok("bill stacked"),
		0x82: ok("bill returned"),
		0xff: degraded("refused the poll (NAK): line noise?"),
	},
	other: degraded("unexpected state {status}"),
}

func ccnetNoun(addr int) string {
	if addr == 3 {
		return "CCNET bill validator"
	}
	return fmt.Sprintf("CCNET device at address %d", addr)
}
