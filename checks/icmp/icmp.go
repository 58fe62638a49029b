package icmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// Config is the icmp kind's options.
type Config struct {
	Host     string        `yaml:"host" doc:"IP address or host name to ping."`
	Count    int           `yaml:"count" doc:"Echo requests per run; default 3."`
	Interval time.Duration `yaml:"interval" doc:"Time between requests; default 500ms."`
	Wait     time.Duration `yaml:"wait" doc:"How long to wait for each reply; default 1s."`
	Mode     string        `yaml:"mode" doc:"auto (default: unprivileged socket, then raw), unprivileged or privileged (raw socket, needs CAP_NET_RAW; the only mode on Windows)."`
	// Loss thresholds are percentages of the requests sent.
	DegradedLoss float64       `yaml:"degraded_loss" doc:"Packet loss in percent at or above which the check is degraded; default 1 (any loss)."`
	FailLoss     float64       `yaml:"fail_loss" doc:"Packet loss in percent at or above which the check fails; default 100."`
	DegradedRTT  time.Duration `yaml:"degraded_rtt" doc:"Average round trip at or above which the check is degraded; unset means no limit."`
	FailRTT      time.Duration `yaml:"fail_rtt" doc:"Average round trip at or above which the check fails; unset means no limit."`
}

// The modes a Plan may ask for.
const (
	ModeAuto         = "auto"
	ModeUnprivileged = "unprivileged"
	ModePrivileged   = "privileged"
)

// Plan is what one run sends.
type Plan struct {
	Count    int
	Interval time.Duration
	Wait     time.Duration
	Mode     string
}

// Replies is what came back: Sent requests, the round trip of each reply,
// and how many unanswered requests were still within their wait when the
// run ended (the check's timeout came first): those are not lost.
type Replies struct {
	Sent    int
	RTTs    []time.Duration
	Pending int
}

// Pinger sends echo requests. It returns ErrPermission when the agent may
// not open an ICMP socket, and what it got so far when ctx ends.
type Pinger interface {
	Ping(ctx context.Context, dst netip.Addr, p Plan) (Replies, error)
}

// ErrPermission means the agent may open neither kind of ICMP socket.
var ErrPermission = errors.New("cannot send ping: permission denied")

// setupHint is the fix a person can apply on the agent's machine.
const setupHint = `cannot send ping: permission denied; allow unprivileged ping with sysctl net.ipv4.ping_group_range="0 2147483647" or grant the agent CAP_NET_RAW`

var hostName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$`)

// Check is a compiled icmp check.
type Check struct {
	host              string
	addr              netip.Addr // set when host is an IP literal
	plan              Plan
	degLoss, failLoss float64
	degRTT, failRTT   time.Duration
	pinger            Pinger
	lookup            func(ctx context.Context, host string) ([]netip.Addr, error)
}

// New validates c and builds a Check that pings through ICMP sockets.
func New(c Config) (*Check, error) {
	var p checks.Problems
	chk := &Check{host: c.Host, pinger: socketPinger{}, lookup: lookupIPv4First}
	if a, err := netip.ParseAddr(c.Host); err == nil {
		chk.addr = a.Unmap()
	} else if c.Host == "" {
		p.Addf("host", "must be set to an IP address or host name")
	} else if !hostName.MatchString(c.Host) {
		p.Addf("host", "%q: must be an IP address or host name", c.Host)
	}
	chk.plan = Plan{Count: or(c.Count, 3), Interval: or(c.Interval, 500*time.Millisecond), Wait: or(c.Wait, time.Second), Mode: or(c.Mode, ModeAuto)}
	if chk.plan.Count < 1 || chk.plan.Count > 100 {
		p.Addf("count", "%d: must be 1-100", c.Count)
	}
	if chk.plan.Interval < 10*time.Millisecond {
		p.Addf("interval", "%v: must be at least 10ms", c.Interval)
	}
	if chk.plan.Wait < 0 {
		p.Addf("wait", "%v: must not be negative", c.Wait)
	}
	switch chk.plan.Mode {
	case ModeAuto, ModeUnprivileged, ModePrivileged:
	default:
		p.Addf("mode", "%q: must be auto, unprivileged or privileged", c.Mode)
	}
	chk.degLoss, chk.failLoss = or(c.DegradedLoss, 1), or(c.FailLoss, 100)
	for name, v := range map[string]float64{"degraded_loss": c.DegradedLoss, "fail_loss": c.FailLoss} {
		if v < 0 || v > 100 {
			p.Addf(name, "%v: must be a percentage 0-100", v)
		}
	}
	if chk.degLoss > chk.failLoss {
		p.Addf("degraded_loss", "%v: must not exceed fail_loss (%v)", chk.degLoss, chk.failLoss)
	}
	chk.degRTT, chk.failRTT = c.DegradedRTT, c.FailRTT
	if c.DegradedRTT < 0 || c.FailRTT < 0 {
		p.Addf("degraded_rtt", "thresholds must not be negative")
	} else if c.DegradedRTT > 0 && c.FailRTT > 0 && c.DegradedRTT > c.FailRTT {
		p.Addf("degraded_rtt", "%v: must not exceed fail_rtt (%v)", c.DegradedRTT, c.FailRTT)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return chk, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// lookupIPv4First resolves host, preferring IPv4 addresses.
func lookupIPv4First(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	for i, a := range addrs {
		if a.Is4() {
			addrs[0], addrs[i] = addrs[i], addrs[0]
			break
		}
	}
	return addrs, err
}

// Run pings the host and judges loss and round trip.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	dst, who := c.addr, c.host
	if !dst.IsValid() {
		addrs, err := c.lookup(ctx, c.host)
		if err != nil || len(addrs) == 0 {
			return checks.Fail("cannot find %s in DNS: %v", c.host, err)
		}
		dst, who = addrs[0], fmt.Sprintf("%s (%s)", c.host, addrs[0])
	}
	rep, err := c.pinger.Ping(ctx, dst, c.plan)
	switch {
	case errors.Is(err, ErrPermission):
		return checks.Unknown("%s", setupHint)
	case err != nil && rep.Sent == 0:
		return checks.Fail("cannot ping %s: %v", who, err)
	}
	return c.judge(who, rep)
}

// judge applies the thresholds to the requests whose fate is known: the
// worst verdict wins, with every reason that gives it.
func (c *Check) judge(who string, rep Replies) checks.Outcome {
	got, judged := len(rep.RTTs), rep.Sent-rep.Pending
	switch {
	case rep.Sent == 0:
		return checks.Fail("%s: no ping could be sent before the check's timeout", who)
	case judged == 0:
		return checks.Unknown("%s: the check's timeout came before any ping's wait ended (%d sent): raise the timeout above count × interval + wait", who, rep.Sent)
	case got == 0:
		return observe(checks.Fail("%s does not answer ping (0 of %d replies)", who, judged), rep)
	}
	loss := float64(judged-got) / float64(judged) * 100
	avg := average(rep.RTTs)
	lost := fmt.Sprintf("%s lost %d of %d pings (%.0f%%)", who, judged-got, judged, loss)
	slow := fmt.Sprintf("%s answers ping slowly: average %s", who, round(avg))
	var fail, deg []string
	if loss >= c.failLoss {
		fail = append(fail, lost)
	} else if loss >= c.degLoss && loss > 0 {
		deg = append(deg, lost)
	}
	if c.failRTT > 0 && avg >= c.failRTT {
		fail = append(fail, slow+fmt.Sprintf(" (fail at %s)", c.failRTT))
	} else if c.degRTT > 0 && avg >= c.degRTT {
		deg = append(deg, slow+fmt.Sprintf(" (degraded at %s)", c.degRTT))
	}
	switch {
	case len(fail) > 0:
		return observe(checks.Outcome{Status: result.StatusFail, Reason: strings.Join(fail, "; ")}, rep)
	case len(deg) > 0:
		return observe(checks.Outcome{Status: result.StatusDegraded, Reason: strings.Join(deg, "; ")}, rep)
	}
	return observe(checks.OK("%s answers ping: %d of %d replies, average %s", who, got, judged, round(avg)), rep)
}

func observe(o checks.Outcome, rep Replies) checks.Outcome {
	judged := rep.Sent - rep.Pending
	o = o.Observe("loss_ratio", float64(judged-len(rep.RTTs))/float64(judged))
	if len(rep.RTTs) > 0 {
		o = o.Observe("rtt_avg_seconds", average(rep.RTTs).Seconds())
		hi := rep.RTTs[0]
		for _, r := range rep.RTTs {
			hi = max(hi, r)
		}
		o = o.Observe("rtt_max_seconds", hi.Seconds())
	}
	return o
}

func average(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func round(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d < 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// TimingProblems warns when the pings cannot all have their wait before
// the check's timeout: the last ones would go unjudged.
func (c *Check) TimingProblems(timeout time.Duration) []error {
	need := time.Duration(c.plan.Count-1)*c.plan.Interval + c.plan.Wait
	if need <= timeout {
		return nil
	}
	return []error{checks.Invalid("count",
		"%d pings %v apart with a %v wait need %v, beyond the check's timeout (%v): raise the check's timeout to at least %v, or lower count, interval or wait",
		c.plan.Count, c.plan.Interval, c.plan.Wait, need, timeout, need+time.Second)}
}
