package tcp

import (
	"context"
	"flag"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/golden"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts and results in testdata/")

// TestDialogues plays each testdata/<case>/ against a scripted loopback
// peer: config.yaml is the check (its address is replaced by the peer's),
// peer.txt the device's script, transcript.txt the bytes exchanged and
// result.txt the verdict.
func TestDialogues(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/config.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases in testdata: %v", err)
	}
	for _, cfg := range dirs {
		dir := filepath.Dir(cfg)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p := startPeer(t, filepath.Join(dir, "peer.txt"))
			c := golden.Decode[Config](t, cfg)
			c.Address = p.addr()
			chk, err := New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			out := chk.Run(ctx)
			got := map[string]string{
				"transcript.txt": p.transcript(),
				"result.txt":     verdict(out, p.addr()),
			}
			for name, g := range got {
				golden.Compare(t, filepath.Join(dir, name), g, *update)
			}
		})
	}
}

var connectTime = regexp.MustCompile(`\(connect [^)]*\)`)

// verdict renders an outcome without what changes from run to run.
func verdict(o checks.Outcome, addr string) string {
	r := strings.ReplaceAll(o.Reason, addr, "PEER")
	r = connectTime.ReplaceAllString(r, "(connect T)")
	return string(o.Status) + ": " + r + "\n"
}

func TestConnectToAClosedPortFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	chk, err := New(Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	out := chk.Run(context.Background())
	if out.Status != "fail" || !strings.Contains(out.Reason, "connection refused") {
		t.Errorf("got %s %q, want fail with connection refused", out.Status, out.Reason)
	}
}

func TestNewRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want string
	}{
		{"a missing address", Config{}, "address: must be set to host:port"},
		{"an address without a port", Config{Address: "10.0.0.1"}, `address: "10.0.0.1": must be host:port`},
		{"port zero", Config{Address: "10.0.0.1:0"}, `address: "10.0.0.1:0": port must be 1-65535`},
		{"a broken expect", Config{Address: "h:1", Expect: "("}, `expect: "(": invalid regular expression: error parsing regexp: missing closing ): ` + "`(`"},
		{"shorthand and steps together", Config{Address: "h:1", Send: "X", Steps: []Step{{Send: "Y"}}}, "steps: use either send/expect or steps, not both"},
		{"an empty step", Config{Address: "h:1", Steps: []Step{{Name: "nothing"}}}, "steps[0]: must set send, expect or both"},
		{"a numbered capture the previous expect lacks", Config{Address: "h:1", Steps: []Step{
			{Send: "A\n", Expect: `OK (\d+)`}, {Send: "B ${2}\n"},
		}}, "steps[1].send: ${2}: the previous expect has 1 capture group(s)"},
		{"a named capture no earlier expect defines", Config{Address: "h:1", Steps: []Step{
			{Send: "A ${sid}\n", Expect: `SESSION (?P<sid>\w+)`},
		}}, "steps[0].send: ${sid}: no earlier expect has a (?P<sid>...) group"},
		{"a negative slow_after", Config{Address: "h:1", SlowAfter: -time.Second}, "slow_after: -1s: must not be negative"},
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
