package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// Config is the tcp kind's options.
type Config struct {
	Address string `yaml:"address" doc:"host:port to connect to."`
	Send    string `yaml:"send" doc:"Text sent after connecting (\\n and \\r escapes are honoured by YAML double quotes). One-step shorthand for steps."`
	Expect  string `yaml:"expect" doc:"Regular expression the reply must match. One-step shorthand for steps."`
	// Steps is a dialogue; it replaces send and expect.
	Steps []Step `yaml:"steps" doc:"A dialogue: each step sends and/or expects; captures of an expect fill ${1} or ${name} in later sends."`
	// SlowAfter turns a successful but slow connect into degraded.
	SlowAfter time.Duration `yaml:"slow_after" doc:"Connect time above which the check is degraded."`
}

// Step is one exchange of a dialogue.
type Step struct {
	Name   string `yaml:"name" doc:"What the step does, for reasons (e.g. \"ask playlist\"); default \"step N\"."`
	Send   string `yaml:"send" doc:"Text sent; ${1} is the previous expect's first group, ${name} a named group (?P<name>...) of any earlier expect."`
	Expect string `yaml:"expect" doc:"Regular expression the reply must match before the next step."`
}

// Check is a compiled tcp check.
type Check struct {
	addr      string
	steps     []step
	slowAfter time.Duration
	dialer    net.Dialer
	talks     bool // a dialogue follows the connect
}

// step is a compiled Step.
type step struct {
	label  string // `step 2 "ask playlist"`, or "" for the shorthand
	send   template
	expect *regexp.Regexp
}

// New validates c and builds a Check.
func New(c Config) (*Check, error) {
	var p checks.Problems
	if c.Address == "" {
		p.Addf("address", "must be set to host:port")
	} else if host, port, err := net.SplitHostPort(c.Address); err != nil || host == "" {
		p.Addf("address", "%q: must be host:port", c.Address)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.Addf("address", "%q: port must be 1-65535", c.Address)
	}
	if c.SlowAfter < 0 {
		p.Addf("slow_after", "%v: must not be negative", c.SlowAfter)
	}
	var steps []step
	if len(c.Steps) > 0 {
		if c.Send != "" || c.Expect != "" {
			p.Addf("steps", "use either send/expect or steps, not both")
		}
		steps = compileSteps(&p, c.Steps, false)
	} else {
		steps = compileSteps(&p, []Step{{Send: c.Send, Expect: c.Expect}}, true)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &Check{addr: c.Address, steps: steps, slowAfter: c.SlowAfter, talks: talks(steps),
		// A probe's connection lives for a dialogue at most: TCP keep-alive
		// probes would never fire, and enabling them cost four setsockopt
		// calls per connect.
		dialer: net.Dialer{KeepAlive: -1}}, nil
}

// talks reports whether a dialogue sends or reads anything after connecting.
func talks(steps []step) bool {
	for _, s := range steps {
		if s.expect != nil || s.send.text != "" {
			return true
		}
	}
	return false
}

// compileSteps reports problems with shorthand fields under their own names
// and with steps under steps[i].
func compileSteps(p *checks.Problems, in []Step, shorthand bool) []step {
	var sc scope
	out := make([]step, len(in))
	for i, s := range in {
		field := func(f string) string {
			if shorthand {
				return f
			}
			return fmt.Sprintf("steps[%d].%s", i, f)
		}
		switch {
		case shorthand:
		case s.Name == "":
			out[i].label = fmt.Sprintf("step %d", i+1)
		default:
			out[i].label = fmt.Sprintf("step %d %q", i+1, s.Name)
		}
		if s.Send == "" && s.Expect == "" && !shorthand {
			p.Addf(fmt.Sprintf("steps[%d]", i), "must set send, expect or both")
		}
		out[i].send = parseTemplate(s.Send)
		if err := sc.check(out[i].send); err != nil {
			p.Addf(field("send"), "%v", err)
		}
		if s.Expect == "" {
			continue
		}
		re, err := regexp.Compile(s.Expect)
		if err != nil {
			p.Addf(field("expect"), "%q: invalid regular expression: %v", s.Expect, err)
			continue
		}
		out[i].expect = re
		sc.add(re)
	}
	return out
}

// Run connects, then plays the dialogue when there is one.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	start := time.Now()
	conn, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return checks.Fail("cannot connect to %s: %s", c.addr, dialReason(ctx, err))
	}
	defer conn.Close()
	connect := time.Since(start)
	if c.talks {
		// Closing the socket when ctx ends unblocks a read that waits for a
		// device that never answers.
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
		defer stop()
		if out, ok := c.converse(ctx, conn); !ok {
			return out.Observe("connect_seconds", connect.Seconds())
		}
	}
	if c.slowAfter > 0 && connect > c.slowAfter {
		return checks.Degraded("%s answers slowly: connect took %s (over %s)", c.addr, connect.Round(time.Millisecond), c.slowAfter).
			Observe("connect_seconds", connect.Seconds())
	}
	// The healthy outcome, every probe of a quiet sweep, is built without fmt.
	ok := checks.Outcome{Status: result.StatusOK, Reason: c.addr + " answers (connect " + connect.Round(time.Millisecond).String() + ")"}
	return ok.Observe("connect_seconds", connect.Seconds())
}

// converse plays every step; it returns false with the failure.
func (c *Check) converse(ctx context.Context, conn net.Conn) (checks.Outcome, bool) {
	var caps captures
	r := replies{conn: conn}
	for _, s := range c.steps {
		if send := s.send.expand(&caps); send != "" {
			if _, err := conn.Write([]byte(send)); err != nil {
				return checks.Fail("connected to %s but sending failed%s: %s", c.addr, s.at(), ioReason(ctx, err)), false
			}
		}
		if s.expect == nil {
			continue
		}
		m, got, err := r.await(s.expect)
		if err != nil {
			return c.noReply(ctx, s, got, err), false
		}
		caps.record(s.expect, m)
	}
	return checks.Outcome{}, true
}

func (c *Check) noReply(ctx context.Context, s step, got string, err error) checks.Outcome {
	// Text devices answer in lines: a reply that ends mid-line when the
	// deadline passes was cut off, and is not judged as a wrong answer.
	wholeLines := strings.HasSuffix(got, "\n")
	got = checks.Truncate(got, 80)
	switch {
	case errors.Is(err, errTooLong):
		return checks.Fail("%s sent 64 KiB without the expected reply /%s/%s", c.addr, s.expect, s.at())
	case ctx.Err() != nil && got == "":
		return checks.Fail("%s did not answer%s before the check's timeout (expected /%s/)", c.addr, s.at(), s.expect)
	case ctx.Err() != nil && wholeLines:
		return checks.Fail("%s answered %q%s; expected /%s/", c.addr, got, s.at(), s.expect)
	case ctx.Err() != nil:
		return checks.Fail("%s did not finish answering%s before the check's timeout (expected /%s/, got %q so far)", c.addr, s.at(), s.expect, got)
	}
	return checks.Fail("%s closed the connection%s without the expected reply /%s/; got %q", c.addr, s.at(), s.expect, got)
}

// at names the step in a reason, or nothing for the shorthand.
func (s step) at() string {
	if s.label == "" {
		return ""
	}
	return " at " + s.label
}

func ioReason(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "no answer before the check's timeout"
	}
	return err.Error()
}

// dialReason words a dial error for a person.
func dialReason(ctx context.Context, err error) string {
	var op *net.OpError
	switch {
	case ctx.Err() != nil:
		return "no answer before the check's timeout"
	case errors.As(err, &op) && op.Op == "dial" && isRefused(err):
		return "connection refused (is the device on and the service running?)"
	}
	return err.Error()
}
