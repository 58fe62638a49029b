package command

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestLogFlagsBuildTheLoggerAskedFor(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
		err   string
	}{
		{name: "json format writes one JSON object a line", args: []string{"--log.format=json"}, check: func(t *testing.T, out string) {
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["msg"] != "hello" || m["branch"] != "lon" {
				t.Errorf("not a JSON log line: %q (%v)", out, err)
			}
		}},
		{name: "the default format is logfmt", args: nil, check: func(t *testing.T, out string) {
			if !strings.Contains(out, "msg=hello branch=lon") {
				t.Errorf("not logfmt: %q", out)
			}
		}},
		{name: "warn level hides info", args: []string{"--log.level=warn"}, check: func(t *testing.T, out string) {
			if out != "" {
				t.Errorf("info logged at warn level: %q", out)
			}
		}},
		{name: "an unknown format is refused by name", args: []string{"--log.format=xml"}, err: `--log.format "xml": must be logfmt or json`},
		{name: "an unknown level is refused by name", args: []string{"--log.level=loud"}, err: `--log.level "loud": must be debug, info, warn or error`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := Flags("prog", "run", "", io.Discard)
			l := LogFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			log, err := l.Logger(&buf)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Info("hello", "branch", "lon")
			tc.check(t, buf.String())
		})
	}
}

func TestFlagsPrintUsageWithTheProgramName(t *testing.T) {
	var buf bytes.Buffer
	fs := Flags("branchready-collector", "serve", "-c FILE", &buf)
	fs.String("c", "", "config")
	if err := fs.Parse([]string{"-h"}); err != flag.ErrHelp {
		t.Fatalf("-h: %v", err)
	}
	if !strings.HasPrefix(buf.String(), "Usage: branchready-collector serve -c FILE") {
		t.Errorf("usage %q", buf.String())
	}
}
