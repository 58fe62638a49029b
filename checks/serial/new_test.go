package serial

import (
	"strings"
	"testing"
	"time"
)

func TestPresetsSendTheProtocolsPollFrames(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"ccTalk polls address 2 by default", Config{Preset: "cctalk"}, "02 00 01 fe ff"},
		{"ccTalk polls a bill validator at address 40", Config{Preset: "cctalk", Address: 40}, "28 00 01 fe d9"},
		{"ID-003 asks for the status", Config{Preset: "id003"}, "fc 05 11 27 56"},
		{"CCNET polls the bill validator at address 3", Config{Preset: "ccnet"}, "02 03 06 33 da 81"},
		{"a user request overrides the preset's", Config{Preset: "cctalk", Request: "02 00 01 f6"}, "02 00 01 f6 07"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Port = "/dev/ttyUSB0"
			chk, err := New(tc.c, Hardware{})
			if err != nil {
				t.Fatal(err)
			}
			if got := hexdump(chk.request); got != tc.want {
				t.Errorf("request %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	frame := func(c Config) Config {
		c.Request, c.ReplyLength = "01", 2
		if c.Port == "" && c.USBID == "" {
			c.Port = "/dev/ttyS0"
		}
		return c
	}
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a check with neither port nor usb_id", Config{Preset: "id003"}, "port: must be set (e.g. /dev/ttyUSB0 or COM3), or usb_id instead"},
		{"a check with both port and usb_id", Config{Preset: "id003", Port: "COM3", USBID: "0403:6001"}, "usb_id: set port or usb_id, not both"},
		{"a malformed usb_id", Config{Preset: "id003", USBID: "FTDI"}, `usb_id: "FTDI": must be vendor:product in hex, e.g. 0403:6001`},
		{"a usb_serial without usb_id", Config{Preset: "id003", Port: "COM3", USBSerial: "A1"}, "usb_serial: needs usb_id"},
		{"an unknown preset", Config{Preset: "mdb", Port: "COM3"}, `preset: "mdb": must be cctalk, id003 or ccnet`},
		{"an address for ID-003", Config{Preset: "id003", Port: "COM3", Address: 5}, "address: 5: the id003 preset has no address"},
		{"an address too large", Config{Preset: "cctalk", Port: "COM3", Address: 300}, "address: 300: must be 1-255"},
		{"a negative baud rate", frame(Config{BaudRate: -1}), "baud_rate: -1: must be > 0"},
		{"nine data bits", frame(Config{DataBits: 9}), "data_bits: 9: must be 5, 6, 7 or 8"},
		{"an unknown parity", frame(Config{Parity: "n"}), `parity: "n": must be none, odd, even, mark or space`},
		{"three stop bits", frame(Config{StopBits: "3"}), `stop_bits: "3": must be 1, 1.5 or 2`},
		{"an unknown checksum", frame(Config{Checksum: "crc32"}), `checksum: "crc32": must be none, sum8, add8, xor or crc16-kermit`},
		{"an unknown echo mode", frame(Config{Echo: "yes"}), `echo: "yes": must be skip or none`},
		{"a request that is not hex", Config{Port: "COM3", Request: "02 0g", ReplyLength: 2}, `request: "02 0g": must be hex bytes, e.g. "02 00 01 fe"`},
		{"no request at all", Config{Port: "COM3", ReplyLength: 2}, "request: must be set (hex), or request_text, or a preset"},
		{"both request and request_text", Config{Port: "COM3", Request: "01", RequestText: "S", ReplyLength: 2}, "request_text: set request or request_text, not both"},
		{"no framing", Config{Port: "COM3", Request: "01"}, "reply_length: set exactly one of reply_length, length_byte and reply_regex (or a preset)"},
		{"two framings", Config{Port: "COM3", Request: "01", ReplyLength: 4, ReplyRegex: "OK"}, "reply_length: set exactly one of reply_length, length_byte and reply_regex (or a preset)"},
		{"a reply no longer than its checksum", frame(Config{Checksum: "crc16-kermit", ReplyLength: 2}), "reply_length: 2: must be longer than the 2-byte checksum"},
		{"a broken reply_regex", Config{Port: "COM3", RequestText: "S\r", ReplyRegex: "("}, `reply_regex: "(": invalid regular expression: error parsing regexp: missing closing ): ` + "`(`"},
		{"a negative reply_timeout", frame(Config{ReplyTimeout: -time.Second}), "reply_timeout: -1s: must not be negative"},
		{"a status byte past the reply", Config{Port: "COM3", Request: "01", ReplyLength: 3, Checksum: "xor", StatusByte: 2}, "status_byte: 2: must lie within the reply, before its checksum"},
		{"a status key that is not a byte", frame(Config{Statuses: map[string]Verdict{"idle": {Status: "ok"}}}), "statuses.idle: must be a byte value such as 0x11 or 17"},
		{"one byte listed twice", frame(Config{Statuses: map[string]Verdict{"0x11": {Status: "ok"}, "17": {Status: "fail"}}}), "statuses.17: the same byte as 0x11"},
		{"an unknown verdict", frame(Config{Statuses: map[string]Verdict{"0x11": {Status: "good"}}}), `statuses.0x11.status: "good": must be ok, degraded, fail or unknown`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c, Hardware{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewReportsEveryProblemAtOnce(t *testing.T) {
	_, err := New(Config{Preset: "ccnet", BaudRate: -5, Parity: "x"}, Hardware{})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"port:", "baud_rate:", "parity:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
