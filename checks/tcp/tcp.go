package tcp

import (
	"bufio"
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"time"

	"github.com/branchready/branchready/checks"
)

// Config is the tcp kind's options.
type Config struct {
	Address string `yaml:"address" doc:"host:port to connect to."`
	Send    string `yaml:"send" doc:"Text sent after connecting (\\n and \\r escapes are honoured by YAML double quotes)."`
	Expect  string `yaml:"expect" doc:"Regular expression the reply must match."`
	// SlowAfter turns a successful but slow connect into degraded.
	SlowAfter time.Duration `yaml:"slow_after" doc:"Connect time above which the check is degraded."`
}

// Check is a compiled tcp check.
type Check struct {
	addr      string
	send      []byte
	expect    *regexp.Regexp
	slowAfter time.Duration
	dialer    net.Dialer
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
	var re *regexp.Regexp
	if c.Expect != "" {
		var err error
		if re, err = regexp.Compile(c.Expect); err != nil {
			p.Addf("expect", "%q: invalid regular expression: %v", c.Expect, err)
		}
	}
	if c.SlowAfter < 0 {
		p.Addf("slow_after", "%v: must not be negative", c.SlowAfter)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &Check{addr: c.Address, send: []byte(c.Send), expect: re, slowAfter: c.SlowAfter}, nil
}

// Run connects, and sends and expects when configured.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	start := time.Now()
	conn, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return checks.Fail("cannot connect to %s: %s", c.addr, dialReason(ctx, err))
	}
	defer conn.Close()
	connect := time.Since(start)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if len(c.send) > 0 {
		if _, err := conn.Write(c.send); err != nil {
			return checks.Fail("connected to %s but sending failed: %v", c.addr, err).Observe("connect_seconds", connect.Seconds())
		}
	}
	if c.expect != nil {
		if out, ok := c.read(ctx, conn); !ok {
			return out.Observe("connect_seconds", connect.Seconds())
		}
	}
	if c.slowAfter > 0 && connect > c.slowAfter {
		return checks.Degraded("%s answers slowly: connect took %s (over %s)", c.addr, connect.Round(time.Millisecond), c.slowAfter).
			Observe("connect_seconds", connect.Seconds())
	}
	return checks.OK("%s answers (connect %s)", c.addr, connect.Round(time.Millisecond)).Observe("connect_seconds", connect.Seconds())
}

// read consumes the reply until expect matches, the peer closes, or ctx ends.
func (c *Check) read(ctx context.Context, conn net.Conn) (checks.Outcome, bool) {
	r := bufio.NewReader(conn)
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < 64*1024 {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if c.expect.Match(got) {
			return checks.Outcome{}, true
		}
		if err != nil {
			if ctx.Err() != nil {
				return checks.Fail("%s did not send the expected reply /%s/ in time; got %q", c.addr, c.expect, checks.Truncate(string(got), 80)), false
			}
			return checks.Fail("%s closed the connection without the expected reply /%s/; got %q", c.addr, c.expect, checks.Truncate(string(got), 80)), false
		}
	}
	return checks.Fail("%s sent 64 KiB without the expected reply /%s/", c.addr, c.expect), false
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
