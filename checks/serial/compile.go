package serial

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	bugst "go.bug.st/serial"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/usb"
	"github.com/branchready/branchready/result"
)

// Check is a compiled serial check.
type Check struct {
	port      string  // fixed port name, or
	usbID     *usb.ID // looked up on each run
	usbSerial string
	mode      bugst.Mode
	noun      string
	request   []byte // checksum included
	echo      bool
	frame     framing
	wait      time.Duration // reply timeout; 0 = the check's
	status    table
	hw        Hardware
}

// New validates c and builds a Check; it does no I/O. Zero fields of hw
// mean the machine's own ports and USB enumerator.
func New(c Config, hw Hardware) (*Check, error) {
	var p checks.Problems
	presetFraming := c.ReplyLength == 0 && c.LengthByte == nil && c.ReplyRegex == ""
	pre, addr := applyPreset(&p, &c)
	if _, known := presets[c.Preset]; c.Preset != "" && !known {
		return nil, p.Err() // what else is missing, the preset would have set
	}
	chk := &Check{hw: hw.withDefaults(), wait: c.ReplyTimeout, noun: c.DeviceName}
	if chk.noun == "" {
		chk.noun = "serial device"
		if pre != nil {
			chk.noun = pre.noun(addr)
		}
	}
	compileLocation(&p, c, chk)
	chk.mode = compileMode(&p, c)
	sum, ok := checksums[orDefault(c.Checksum, "none")]
	if !ok {
		p.Addf("checksum", "%q: must be none, sum8, add8, xor or crc16-kermit", c.Checksum)
		sum = checksums["none"]
	}
	chk.request = compileRequest(&p, c, sum)
	switch c.Echo {
	case "", "none":
	case "skip":
		chk.echo = true
	default:
		p.Addf("echo", "%q: must be skip or none", c.Echo)
	}
	chk.frame = compileFraming(&p, c, sum)
	if pre != nil && pre.plausible != nil && presetFraming {
		chk.frame.protocol = pre.protocol
		chk.frame.plausible = func(b []byte) bool { return pre.plausible(addr, b) }
	}
	if c.ReplyTimeout < 0 {
		p.Addf("reply_timeout", "%v: must not be negative", c.ReplyTimeout)
	}
	chk.status = compileTable(&p, c, pre, chk.frame)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return chk, nil
}

// applyPreset fills c's unset options from its preset and returns the
// preset (nil when none) and the device address in use.
func applyPreset(p *checks.Problems, c *Config) (*preset, int) {
	if c.Preset == "" {
		if c.Address != 0 {
			p.Addf("address", "%d: only the cctalk and ccnet presets have an address", c.Address)
		}
		return nil, 0
	}
	pre, ok := presets[c.Preset]
	if !ok {
		p.Addf("preset", "%q: must be cctalk, id003 or ccnet", c.Preset)
		return nil, 0
	}
	addr := c.Address
	switch {
	case pre.defaultAddress == 0 && addr != 0:
		p.Addf("address", "%d: the %s preset has no address", addr, c.Preset)
	case addr < 0 || addr > 255:
		p.Addf("address", "%d: must be 1-255", addr)
		addr = pre.defaultAddress
	case addr == 0:
		addr = pre.defaultAddress
	}
	if c.Request == "" && c.RequestText == "" {
		c.Request = hex.EncodeToString(pre.request(addr))
	}
	c.Checksum = orDefault(c.Checksum, pre.checksum)
	c.Echo = orDefault(c.Echo, pre.echo)
	if c.ReplyLength == 0 && c.LengthByte == nil && c.ReplyRegex == "" {
		lb := pre.length
		c.LengthByte = &lb
		if c.ReplySync == "" {
			c.ReplySync = hex.EncodeToString(pre.sync(addr))
		}
	}
	if c.StatusByte == 0 {
		c.StatusByte = pre.statusByte
	}
	return &pre, addr
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func compileLocation(p *checks.Problems, c Config, chk *Check) {
	switch {
	case c.Port != "" && c.USBID != "":
		p.Addf("usb_id", "set port or usb_id, not both")
	case c.Port == "" && c.USBID == "":
		p.Addf("port", "must be set (e.g. /dev/ttyUSB0 or COM3), or usb_id instead")
	case c.Port != "":
		if strings.TrimSpace(c.Port) != c.Port || strings.ContainsAny(c.Port, "\n\t ") {
			p.Addf("port", "%q: must not contain spaces", c.Port)
		}
		chk.port = c.Port
	default:
		id, err := usb.ParseID(c.USBID)
		if err != nil {
			p.Addf("usb_id", "%v", err)
			break
		}
		chk.usbID, chk.usbSerial = &id, c.USBSerial
	}
	if c.USBSerial != "" && c.USBID == "" {
		p.Addf("usb_serial", "needs usb_id")
	}
}

func compileMode(p *checks.Problems, c Config) bugst.Mode {
	m := bugst.Mode{BaudRate: c.BaudRate, DataBits: c.DataBits}
	if m.BaudRate == 0 {
		m.BaudRate = 9600
	} else if m.BaudRate < 0 {
		p.Addf("baud_rate", "%d: must be > 0", c.BaudRate)
	}
	if m.DataBits == 0 {
		m.DataBits = 8
	} else if m.DataBits < 5 || m.DataBits > 8 {
		p.Addf("data_bits", "%d: must be 5, 6, 7 or 8", c.DataBits)
	}
	parities := map[string]bugst.Parity{"": bugst.NoParity, "none": bugst.NoParity, "odd": bugst.OddParity,
		"even": bugst.EvenParity, "mark": bugst.MarkParity, "space": bugst.SpaceParity}
	var ok bool
	if m.Parity, ok = parities[c.Parity]; !ok {
		p.Addf("parity", "%q: must be none, odd, even, mark or space", c.Parity)
	}
	stops := map[string]bugst.StopBits{"": bugst.OneStopBit, "1": bugst.OneStopBit,
		"1.5": bugst.OnePointFiveStopBits, "2": bugst.TwoStopBits}
	if m.StopBits, ok = stops[c.StopBits]; !ok {
		p.Addf("stop_bits", "%q: must be 1, 1.5 or 2", c.StopBits)
	}
	return m
}

func compileRequest(p *checks.Problems, c Config, sum checksum) []byte {
	switch {
	case c.Request != "" && c.RequestText != "":
		p.Addf("request_text", "set request or request_text, not both")
	case c.RequestText != "":
		return sum.seal([]byte(c.RequestText))
	case c.Request == "":
		p.Addf("request", "must be set (hex), or request_text, or a preset")
	default:
		b, err := parseHex(c.Request)
		if err != nil {
			p.Addf("request", "%v", err)
			return nil
		}
		return sum.seal(b)
	}
	return nil
}

// parseHex reads "02 00 01 fe", "020001FE" or "0x02 0x00": whitespace,
// commas and colons separate bytes; 0x prefixes are allowed.
func parseHex(s string) ([]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ':' || r == '\t' })
	var digits strings.Builder
	for _, f := range fields {
		digits.WriteString(strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X"))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		return nil, fmt.Errorf("%q: must be hex bytes, e.g. \"02 00 01 fe\"", s)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%q: no bytes", s)
	}
	return b, nil
}

// framing says where a reply ends.
type framing struct {
	sync      []byte
	fixed     int         // whole frame length, or
	length    *LengthByte // a length byte, or
	re        *regexp.Regexp
	sum       checksum
	minLength int // shortest frame a length byte may announce
	// plausible, when set, rejects bytes that cannot start a reply of
	// protocol.
	plausible func([]byte) bool
	protocol  string
}

func compileFraming(p *checks.Problems, c Config, sum checksum) framing {
	f := framing{fixed: c.ReplyLength, length: c.LengthByte, sum: sum}
	set := 0
	for _, b := range []bool{c.ReplyLength != 0, c.LengthByte != nil, c.ReplyRegex != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		p.Addf("reply_length", "set exactly one of reply_length, length_byte and reply_regex (or a preset)")
	}
	if c.ReplySync != "" {
		b, err := parseHex(c.ReplySync)
		if err != nil {
			p.Addf("reply_sync", "%v", err)
		}
		f.sync = b
	}
	if c.ReplyLength < 0 || c.ReplyLength > maxFrame {
		p.Addf("reply_length", "%d: must be 1-%d", c.ReplyLength, maxFrame)
	} else if c.ReplyLength > 0 && c.ReplyLength <= sum.size {
		p.Addf("reply_length", "%d: must be longer than the %d-byte checksum", c.ReplyLength, sum.size)
	}
	if lb := c.LengthByte; lb != nil {
		if lb.Offset < 0 || lb.Offset >= maxFrame {
			p.Addf("length_byte.offset", "%d: must be 0-%d", lb.Offset, maxFrame-1)
		}
		if lb.Add < -255 || lb.Add > maxFrame {
			p.Addf("length_byte.add", "%d: must be between -255 and %d", lb.Add, maxFrame)
		}
		f.minLength = max(lb.Offset+1, len(f.sync)) + sum.size
	}
	if c.ReplyRegex != "" {
		re, err := regexp.Compile(c.ReplyRegex)
		if err != nil {
			p.Addf("reply_regex", "%q: invalid regular expression: %v", c.ReplyRegex, err)
		}
		f.re = re
	}
	return f
}

// maxFrame bounds a reply frame: a length byte announces at most 255 bytes.
const maxFrame = 1024

// table maps a reply's status to a verdict.
type table struct {
	offset int
	bytes  map[byte]verdict   // binary replies
	texts  map[string]verdict // reply_regex captures
	other  verdict
}

func compileTable(p *checks.Problems, c Config, pre *preset, f framing) table {
	t := table{offset: c.StatusByte, bytes: map[byte]verdict{}, texts: map[string]verdict{},
		other: degraded("unexpected status {status}")}
	if pre != nil {
		for k, v := range pre.statuses {
			t.bytes[k] = v
		}
		t.other = pre.other
	}
	if c.StatusByte < 0 || (f.fixed > f.sum.size && c.StatusByte >= f.fixed-f.sum.size) {
		p.Addf("status_byte", "%d: must lie within the reply, before its checksum", c.StatusByte)
	}
	keys := make([]string, 0, len(c.Statuses))
	for k := range c.Statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[byte]string{}
	for _, k := range keys {
		v, err := compileVerdict(c.Statuses[k])
		if err != nil {
			p.Addf("statuses."+k+".status", "%v", err)
			continue
		}
		if f.re != nil {
			t.texts[k] = v
			continue
		}
		n, err := strconv.ParseUint(k, 0, 8)
		if err != nil {
			p.Addf("statuses."+k, "must be a byte value such as 0x11 or 17")
			continue
		}
		if prev, dup := seen[byte(n)]; dup {
			p.Addf("statuses."+k, "the same byte as %s", prev)
		}
		seen[byte(n)] = k
		t.bytes[byte(n)] = v
	}
	if c.OtherStatus != nil {
		v, err := compileVerdict(*c.OtherStatus)
		if err != nil {
			p.Addf("other_status.status", "%v", err)
		}
		t.other = v
	}
	return t
}

func compileVerdict(v Verdict) (verdict, error) {
	s := result.Status(v.Status)
	if !s.Valid() {
		return verdict{}, fmt.Errorf("%q: must be ok, degraded, fail or unknown", v.Status)
	}
	return verdict{status: s, reason: v.Reason}, nil
}
