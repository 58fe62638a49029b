package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// dialog holds what the requests of one run share.
type dialog struct {
	c       *Check
	conn    conn
	callID  string
	fromTag string
	cseq    int
	user    string // user part of From and Contact
}

// newRequest builds the next request of the run.
func (d *dialog) newRequest(method, uri, to string) *request {
	d.cseq++
	tr := strings.ToUpper(d.c.transport)
	return &request{
		method: method, uri: uri, cseq: d.cseq,
		branch: "z9hG4bK" + token(8),
		via:    "SIP/2.0/" + tr + " " + d.conn.local(),
		headers: [][2]string{
			{"From", fmt.Sprintf("<sip:%s@%s>;tag=%s", d.user, d.c.domain, d.fromTag)},
			{"To", to},
			{"Call-ID", d.callID},
			{"Contact", d.contact()},
		},
	}
}

func (d *dialog) contact() string {
	return fmt.Sprintf("<sip:%s@%s;transport=%s>", d.user, d.conn.local(), d.c.transport)
}

// Run sends OPTIONS and, when configured, registers and unregisters the
// monitoring extension.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	start := time.Now()
	cn, err := c.dial(ctx)
	if err != nil {
		return c.unreachable(ctx, "SIP OPTIONS", start, err)
	}
	defer cn.Close()
	d := &dialog{c: c, conn: cn, callID: token(12) + "@branchready", fromTag: token(6), user: "branchready"}
	if c.register != nil {
		d.user = c.register.extension
	}
	uri := "sip:" + c.domain
	if c.register == nil {
		uri = "sip:" + c.server
	}
	sent := time.Now()
	resp, err := cn.roundTrip(ctx, d.newRequest("OPTIONS", uri, "<"+uri+">"))
	if err != nil {
		return c.unreachable(ctx, "SIP OPTIONS", start, err)
	}
	rtt := time.Since(sent)
	out := c.judgeOptions(resp, rtt).Observe("options_rtt_seconds", rtt.Seconds())
	if c.register == nil || out.Status == result.StatusFail {
		return out
	}
	reg := c.registerExtension(ctx, d, start)
	return merge(out, reg)
}

func (c *Check) judgeOptions(resp *response, rtt time.Duration) checks.Outcome {
	ms := rtt.Round(time.Millisecond)
	switch {
	case resp.code >= 200 && resp.code < 300 && c.slowAfter > 0 && rtt > c.slowAfter:
		return checks.Degraded("the phone system at %s answers SIP OPTIONS slowly: %s (over %s)", c.server, ms, c.slowAfter)
	case resp.code >= 200 && resp.code < 300:
		return checks.OK("the phone system at %s answers SIP OPTIONS (%s, %s)", c.server, resp.status(), ms)
	case c.degraded[resp.code]:
		return checks.Degraded("the phone system at %s is up but refuses SIP OPTIONS (%s)", c.server, resp.status())
	}
	return checks.Fail("the phone system at %s answered SIP OPTIONS with %s", c.server, resp.status())
}

// unreachable words a failure to get any answer to what.
func (c *Check) unreachable(ctx context.Context, what string, start time.Time, err error) checks.Outcome {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		within := time.Since(start)
		if d, ok := ctx.Deadline(); ok {
			within = d.Sub(start)
		}
		return checks.Fail("the phone system at %s did not answer %s within %s", c.server, what, within.Round(time.Millisecond))
	case errors.Is(err, context.Canceled):
		return checks.Fail("the check was cancelled before the phone system at %s answered %s", c.server, what)
	case errors.Is(err, syscall.ECONNREFUSED):
		return checks.Fail("the phone system at %s refused the connection (SIP over %s): nothing listens on that port", c.server, strings.ToUpper(c.transport))
	case errors.Is(err, errResolve):
		return checks.Fail("cannot find the phone system %s: %v", c.server, err)
	}
	if out, ok := c.certFailure(err); ok {
		return out
	}
	return checks.Fail("cannot reach the phone system at %s over %s: %v", c.server, strings.ToUpper(c.transport), err)
}

// merge adds the registration's outcome to the OPTIONS one: the worse
// status wins and both reasons are kept.
func merge(a, b checks.Outcome) checks.Outcome {
	out := a
	if rank(b.Status) > rank(a.Status) {
		out.Status = b.Status
	}
	out.Reason = a.Reason + "; " + b.Reason
	for k, v := range b.Observations {
		out = out.Observe(k, v)
	}
	return out
}

func rank(s result.Status) int {
	switch s {
	case result.StatusFail:
		return 3
	case result.StatusUnknown:
		return 2
	case result.StatusDegraded:
		return 1
	}
	return 0
}
