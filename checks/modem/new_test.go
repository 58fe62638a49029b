package modem

import (
	"testing"
	"time"
)

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a missing port", Config{}, "port: must be set, e.g. /dev/ttyS0 or COM3"},
		{"a negative baud rate", Config{Port: "p", BaudRate: -1}, "baud_rate: -1: must be > 0"},
		{"nine data bits", Config{Port: "p", DataBits: 9}, "data_bits: 9: must be 5, 6, 7 or 8"},
		{"an unknown parity", Config{Port: "p", Parity: "N"}, `parity: "N": must be none, odd, even, mark or space`},
		{"three stop bits", Config{Port: "p", StopBits: "3"}, `stop_bits: "3": must be 1, 1.5 or 2`},
		{"an init that is not an AT command", Config{Port: "p", Init: "RESET"}, `init: "RESET": must be one AT command, e.g. ATZ`},
		{"two commands on one line", Config{Port: "p", Identify: "ATI\rATZ"}, `identify: "ATI\rATZ": must be one AT command, e.g. ATI`},
		{"a negative reply timeout", Config{Port: "p", ReplyTimeout: -time.Second}, "reply_timeout: -1s: must be > 0"},
		{"a voltage regex without a group", Config{Port: "p", LineVoltage: &LineVoltage{Regex: `\d+`}}, `line_voltage.regex: "\\d+": needs a capture group around the voltage`},
		{"no-line above in-use", Config{Port: "p", LineVoltage: &LineVoltage{InUseBelow: 5, NoLineBelow: 10}}, "line_voltage.no_line_below: 10: must not exceed in_use_below (5)"},
		{"a line-in-use check without a regex", Config{Port: "p", LineInUse: &LineInUse{Command: "AT#CLS?"}}, "line_in_use.regex: must be set to what the modem answers while the line is in use"},
		{"a broken line-in-use regex", Config{Port: "p", LineInUse: &LineInUse{Command: "AT#CLS?", Regex: "("}}, "line_in_use.regex: \"(\": invalid regular expression: error parsing regexp: missing closing ): `(`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewReportsEveryProblemAtOnce(t *testing.T) {
	_, err := New(Config{BaudRate: -1, Parity: "x"})
	want := "baud_rate: -1: must be > 0\nparity: \"x\": must be none, odd, even, mark or space\nport: must be set, e.g. /dev/ttyS0 or COM3"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
