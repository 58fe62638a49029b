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
		{"all replies back quickly is ok", Config{}, Replies{Sent: 3, RTTs: ms(1, 2, 3)},
			nil, result.StatusOK, "10.1.2.3 answers ping: 3 of 3 replies, average 2ms"},
		{"no reply at all fails", Config{}, Replies{Sent: 3, RTTs: nil},
			nil, result.StatusFail, "10.1.2.3 does not answer ping (0 of 3 replies)"},
		{"one lost ping of three is degraded by default", Config{}, Replies{Sent: 3, RTTs: ms(1, 1)},
			nil, result.StatusDegraded, "10.1.2.3 lost 1 of 3 pings (33%)"},
		{"loss below the degraded threshold is ok", Config{Count: 10, DegradedLoss: 20}, Replies{Sent: 10, RTTs: ms(1, 1, 1, 1, 1, 1, 1, 1, 1)},
			nil, result.StatusOK, "10.1.2.3 answers ping: 9 of 10 replies, average 1ms"},
		{"loss at the fail threshold fails", Config{FailLoss: 50}, Replies{Sent: 4, RTTs: ms(1, 1)},
			nil, result.StatusFail, "10.1.2.3 lost 2 of 4 pings (50%)"},
		{"a slow average is degraded", Config{DegradedRTT: 100 * time.Millisecond, FailRTT: time.Second}, Replies{Sent: 3, RTTs: ms(150, 150, 150)},
			nil, result.StatusDegraded, "10.1.2.3 answers ping slowly: average 150ms (degraded at 100ms)"},
		{"a very slow average fails", Config{DegradedRTT: 100 * time.Millisecond, FailRTT: time.Second}, Replies{Sent: 3, RTTs: ms(1200, 1200, 1200)},
			nil, result.StatusFail, "10.1.2.3 answers ping slowly: average 1.2s (fail at 1s)"},
		{"loss and slowness are both named", Config{DegradedRTT: 100 * time.Millisecond}, Replies{Sent: 3, RTTs: ms(200, 200)},
			nil, result.StatusDegraded, "10.1.2.3 lost 1 of 3 pings (33%); 10.1.2.3 answers ping slowly: average 200ms (degraded at 100ms)"},
		{"pings still within their wait at the timeout are not lost", Config{}, Replies{Sent: 5, RTTs: ms(1, 1, 1, 1), Pending: 1},
			nil, result.StatusOK, "10.1.2.3 answers ping: 4 of 4 replies, average 1ms"},
		{"loss is judged on the pings whose wait ended", Config{}, Replies{Sent: 5, RTTs: ms(1, 1, 1), Pending: 1},
			nil, result.StatusDegraded, "10.1.2.3 lost 1 of 4 pings (25%)"},
		{"a timeout before any wait ended is not a verdict on the host", Config{}, Replies{Sent: 2, Pending: 2},
			nil, result.StatusUnknown, "10.1.2.3: the check's timeout came before any ping's wait ended (2 sent): raise the timeout above count × interval + wait"},
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
	chk.pinger = &fakePinger{rep: Replies{Sent: 3, RTTs: nil}}
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

func TestRepliesQueuedWhenTheDeadlineWonAreCounted(t *testing.T) {
	start := time.Unix(1000, 0)
	sent := []time.Time{start, start.Add(500 * time.Millisecond), start.Add(time.Second)}
	queued := make(chan echoReply, 3)
	queued <- echoReply{seq: 1, rtt: time.Millisecond}
	queued <- echoReply{seq: 2, rtt: 2 * time.Millisecond}
	got := map[int]time.Duration{0: time.Millisecond}
	// The run ends 1.2s in: the first two requests' 1s wait has not
	// elapsed for the second and third, but their replies are queued.
	rep := tallyWith(got, sent, time.Second, start.Add(1200*time.Millisecond), queued)
	if rep.Sent != 3 || len(rep.RTTs) != 3 || rep.Pending != 0 {
		t.Errorf("got %+v, want 3 sent, 3 replies, none pending", rep)
	}
	rep = tallyWith(map[int]time.Duration{}, sent, time.Second, start.Add(1200*time.Millisecond), make(chan echoReply))
	if rep.Sent != 3 || len(rep.RTTs) != 0 || rep.Pending != 2 {
		t.Errorf("got %+v, want 3 sent, the first lost, two pending", rep)
	}
}

// TestAPingCutShortByTheTimeoutReportsNoFalseLoss pings loopback with plans
// that outlast the check's timeout: every reply that came back counts, and
// the pings still waiting are not loss. Timings are not asserted.
func TestAPingCutShortByTheTimeoutReportsNoFalseLoss(t *testing.T) {
	if !unprivilegedAllowed(t) && os.Geteuid() != 0 {
		testpeer.Missing(t, "this user may not ping (see ping_group_range)")
	}
	for _, tc := range []struct {
		name    string
		config  Config
		timeout time.Duration
	}{
		{"count 30 cut short by the timeout", Config{Count: 30, Interval: 100 * time.Millisecond}, time.Second},
		{"count 5 every 500ms with a 1s wait and a 1s timeout", Config{Count: 5, Interval: 500 * time.Millisecond, Wait: time.Second}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.config.Host = "127.0.0.1"
			chk, err := New(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			o := chk.Run(ctx)
			if o.Status != result.StatusOK || !strings.HasPrefix(o.Reason, "127.0.0.1 answers ping: ") {
				t.Errorf("got %s %q, want ok without loss", o.Status, o.Reason)
			}
			if o.Observations["loss_ratio"] != 0 {
				t.Errorf("loss_ratio %v, want 0", o.Observations["loss_ratio"])
			}
		})
	}
}
