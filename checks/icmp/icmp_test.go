package icmp

import (
	"context"
	"errors"
	"fmt"
	"github.com/branchready/branchready/testpeer"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// fakePinger answers with canned replies.
type fakePinger struct {
	rep Replies
	err error
	got Plan
}

func (f *fakePinger) Ping(_ context.Context, _ netip.Addr, p Plan) (Replies, error) {
	f.got = p
	return f.rep, f.err
}

func ms(v ...int) []time.Duration {
	var out []time.Duration
	for _, x := range v {
		out = append(out, time.Duration(x)*time.Millisecond)
	}
	return out
}

func TestThresholdsJudgeLossAndRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config Config
		rep    Replies
		err    error
		status result.Status
		reason string
	}{
		{"all replies back quickly is ok", Config{}, Replies{3, ms(1, 2, 3)},
			nil, result.StatusOK, "10.1.2.3 answers ping: 3 of 3 replies, average 2ms"},
		{"no reply at all fails", Config{}, Replies{3, nil},
			nil, result.StatusFail, "10.1.2.3 does not answer ping (0 of 3 replies)"},
		{"one lost ping of three is degraded by default", Config{}, Replies{3, ms(1, 1)},
			nil, result.StatusDegraded, "10.1.2.3 lost 1 of 3 pings (33%)"},
		{"loss below the degraded threshold is ok", Config{Count: 10, DegradedLoss: 20}, Replies{10, ms(1, 1, 1, 1, 1, 1, 1, 1, 1)},
			nil, result.StatusOK, "10.1.2.3 answers ping: 9 of 10 replies, average 1ms"},
		{"loss at the fail threshold fails", Config{FailLoss: 50}, Replies{4, ms(1, 1)},
			nil, result.StatusFail, "10.1.2.3 lost 2 of 4 pings (50%)"},
		{"a slow average is degraded", Config{DegradedRTT: 100 * time.Millisecond, FailRTT: time.Second}, Replies{3, ms(150, 150, 150)},
			nil, result.StatusDegraded, "10.1.2.3 answers ping slowly: average 150ms (degraded at 100ms)"},
		{"a very slow average fails", Config{DegradedRTT: 100 * time.Millisecond, FailRTT: time.Second}, Replies{3, ms(1200, 1200, 1200)},
			nil, result.StatusFail, "10.1.2.3 answers ping slowly: average 1.2s (fail at 1s)"},
		{"loss and slowness are both named", Config{DegradedRTT: 100 * time.Millisecond}, Replies{3, ms(200, 200)},
			nil, result.StatusDegraded, "10.1.2.3 lost 1 of 3 pings (33%); 10.1.2.3 answers ping slowly: average 200ms (degraded at 100ms)"},
		{"a permission error is a set-up problem with the fix, not a device down", Config{}, Replies{},
			fmt.Errorf("%w: socket: operation not permitted", ErrPermission), result.StatusUnknown, setupHint},
		{"a send error before any ping fails with the cause", Config{}, Replies{},
			errors.New("sending echo request: network is unreachable"), result.StatusFail, "cannot ping 10.1.2.3: sending echo request: network is unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.config.Host = "10.1.2.3"
			chk, err := New(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			chk.pinger = &fakePinger{rep: tc.rep, err: tc.err}
			o := chk.Run(context.Background())
			if o.Status != tc.status || o.Reason != tc.reason {
				t.Errorf("got %s %q\nwant %s %q", o.Status, o.Reason, tc.status, tc.reason)
			}
		})
	}
}

func TestAHostNameIsResolvedAndShownWithItsAddress(t *testing.T) {
	chk, err := New(Config{Host: "atm-01.branch.example"})
	if err != nil {
		t.Fatal(err)
	}
	chk.lookup = func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("10.9.8.7")}, nil
	}
	chk.pinger = &fakePinger{rep: Replies{3, nil}}
	if o := chk.Run(context.Background()); o.Reason != "atm-01.branch.example (10.9.8.7) does not answer ping (0 of 3 replies)" {
		t.Errorf("reason %q", o.Reason)
	}
}

func TestNewReportsEveryBadOption(t *testing.T) {
	_, err := New(Config{Host: "not a host", Count: 500, Interval: time.Millisecond, Mode: "root",
		DegradedLoss: 60, FailLoss: 50, DegradedRTT: time.Second, FailRTT: time.Millisecond})
	want := []string{
		`host: "not a host": must be an IP address or host name`,
		"count: 500: must be 1-100",
		"interval: 1ms: must be at least 10ms",
		`mode: "root": must be auto, unprivileged or privileged`,
		"degraded_loss: 60: must not exceed fail_loss (50)",
		"degraded_rtt: 1s: must not exceed fail_rtt (1ms)",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// unprivilegedAllowed reads whether this machine lets our group use
// unprivileged ICMP sockets.
func unprivilegedAllowed(t *testing.T) bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ping_group_range")
	if err != nil {
		testpeer.Missing(t, "no /proc/sys/net/ipv4/ping_group_range: not Linux")
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		t.Fatal(err)
	}
	gid := os.Getgid()
	return lo <= gid && gid <= hi
}

// TestARealPingOfLoopback pings 127.0.0.1 through the kernel. Each mode
// either answers or, where the machine forbids it, reports the set-up
// error; which one is decided from the sysctl and the process's rights.
func TestARealPingOfLoopback(t *testing.T) {
	unpriv := unprivilegedAllowed(t)
	raw := os.Geteuid() == 0 // root has CAP_NET_RAW here; CI runs as root too
	for _, tc := range []struct {
		mode    string
		allowed bool
	}{
		{ModeUnprivileged, unpriv},
		{ModePrivileged, raw},
		{ModeAuto, unpriv || raw},
	} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			chk, err := New(Config{Host: "127.0.0.1", Count: 2, Interval: 20 * time.Millisecond, Mode: tc.mode})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			o := chk.Run(ctx)
			if !tc.allowed {
				if o.Status != result.StatusUnknown || o.Reason != setupHint {
					t.Errorf("got %s %q, want the set-up error", o.Status, o.Reason)
				}
				return
			}
			if o.Status != result.StatusOK || !strings.HasPrefix(o.Reason, "127.0.0.1 answers ping: 2 of 2 replies") {
				t.Errorf("got %s %q, want ok with 2 of 2 replies", o.Status, o.Reason)
			}
			if o.Observations["loss_ratio"] != 0 {
				t.Errorf("observations %v", o.Observations)
			}
		})
	}
}
