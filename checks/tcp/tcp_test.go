package tcp

import (
	"context"

	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/golden"
)

// TestDialogues plays each testdata/<case>/ against a scripted loopback
// peer: config.yaml is the check (its address is replaced by the peer's),
// peer.txt the device's script, transcript.txt the bytes exchanged and
// result.txt the verdict.
func TestDialogues(t *testing.T) {
	golden.Cases(t, "config.yaml", func(t *testing.T, dir string) {
		p := startPeer(t, filepath.Join(dir, "peer.txt"))
		c := golden.Decode[Config](t, filepath.Join(dir, "config.yaml"))
		c.Address = p.addr()
		chk, err := New(c)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// Generous for a loaded machine: only the silent controller
		// runs into it, and its reason does not quote the time.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out := chk.Run(ctx)
		golden.Compare(t, filepath.Join(dir, "transcript.txt"), p.transcript())
		golden.Compare(t, filepath.Join(dir, "result.txt"), verdict(out, p.addr()))
	})
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
