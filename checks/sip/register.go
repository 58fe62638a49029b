package sip

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/branchready/branchready/checks"
)

// registerExtension registers the monitoring extension, answering one
// digest challenge, then unregisters it.
func (c *Check) registerExtension(ctx context.Context, d *dialog, start time.Time) checks.Outcome {
	r := c.register
	a := &authState{c: c, d: d}
	sent := time.Now()
	resp, err := a.register(ctx, r.expires)
	what := "REGISTER for extension " + r.extension
	switch {
	case err != nil:
		return c.unreachable(ctx, what, start, err)
	case a.failure != nil:
		return *a.failure
	case resp.code < 200 || resp.code >= 300:
		return checks.Fail("registering monitoring extension %s failed: %s", r.extension, resp.status())
	}
	took := time.Since(sent)
	out := checks.OK("monitoring extension %s registered", r.extension).Observe("register_seconds", took.Seconds())
	resp, err = a.register(ctx, 0)
	switch {
	case err != nil:
		out.Reason += fmt.Sprintf(" but not unregistered (no answer); the registration lapses after %ds", r.expires)
	case a.failure != nil || resp.code < 200 || resp.code >= 300:
		out.Reason += fmt.Sprintf(" but not unregistered; the registration lapses after %ds", r.expires)
	default:
		out.Reason += " and unregistered"
	}
	return out
}

// authState sends REGISTERs, answering digest challenges with the
// extension's credentials.
type authState struct {
	c       *Check
	d       *dialog
	ch      *challenge
	nc      int
	failure *checks.Outcome // a verdict reached while authenticating
}

// register sends one REGISTER (expires 0 unregisters our contact) and
// answers a 401/407 once per request.
func (a *authState) register(ctx context.Context, expires int) (*response, error) {
	r := a.c.register
	aor := fmt.Sprintf("<sip:%s@%s>", r.extension, a.c.domain)
	uri := "sip:" + a.c.domain
	a.failure = nil
	for attempt := 0; ; attempt++ {
		req := a.d.newRequest("REGISTER", uri, aor)
		req.headers = append(req.headers, [2]string{"Expires", strconv.Itoa(expires)})
		if a.ch != nil {
			a.nc++
			req.headers = append(req.headers, [2]string{a.ch.answer, a.ch.authorization("REGISTER", uri, r.authUser, r.password, a.nc, token(8))})
		}
		resp, err := a.d.conn.roundTrip(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp.code != 401 && resp.code != 407 && resp.code != 403 {
			return resp, nil
		}
		// Only a first answer may challenge: a nonce that served the
		// previous request may have expired. After credentials it is a no.
		if attempt > 0 || resp.code == 403 {
			a.reject(resp)
			return resp, nil
		}
		ch, err := challengeOf(resp)
		if err != nil {
			out := checks.Fail("monitoring extension %s cannot authenticate: %v", r.extension, err)
			a.failure = &out
			return resp, nil
		}
		a.ch, a.nc = &ch, 0
	}
}

// reject records why the server refused the extension.
func (a *authState) reject(resp *response) {
	r := a.c.register
	var out checks.Outcome
	switch {
	case a.ch == nil && resp.code == 403:
		out = checks.Fail("monitoring extension %s rejected (%s): is it set up on the phone system?", r.extension, resp.status())
	case r.password == "":
		out = checks.Fail("monitoring extension %s needs a password, but none is configured (%s)", r.extension, resp.status())
	default:
		out = checks.Fail("monitoring extension %s rejected: wrong password? (%s)", r.extension, resp.status())
	}
	a.failure = &out
}
