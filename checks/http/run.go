package http

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// maxBody bounds how much of a page a step reads.
const maxBody = 1 << 20

// Run plays the transaction (or the single request) once, with a fresh
// cookie jar, and judges it.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	vars, secrets, err := c.credentials()
	if err != nil {
		return checks.Unknown("%s%v", c.prefix(), err)
	}
	s := &session{check: c, vars: vars, start: c.now()}
	if c.needsJar {
		s.jar, _ = cookiejar.New(nil) // never fails without options
	}
	out := s.play(ctx)
	out.Reason = redact(out.Reason, secrets)
	return out
}

// session is one run of a transaction.
type session struct {
	check  *Check
	vars   map[string]string
	jar    http.CookieJar
	start  time.Time
	last   *url.URL // the previous step's final URL, for relative URLs
	status int
	cert   *seenCert // the certificate closest to expiry
}

// seenCert is a server certificate met during the transaction.
type seenCert struct {
	cert *x509.Certificate
	url  string
}

func (s *session) play(ctx context.Context) checks.Outcome {
	for _, st := range s.check.steps {
		if out, ok := s.step(ctx, st); !ok {
			return s.observe(out)
		}
	}
	return s.observe(s.verdict())
}

// verdict judges a transaction whose steps all passed.
func (s *session) verdict() checks.Outcome {
	c := s.check
	elapsed := c.now().Sub(s.start)
	if s.cert != nil {
		if out, bad := c.certificate(s.cert, s.start); bad {
			out.Reason = c.prefix() + out.Reason
			return out
		}
	}
	if c.slowAfter > 0 && elapsed > c.slowAfter {
		return checks.Degraded("%s is slow: answered in %s (over %s)", c.subject(s.last), elapsed.Round(time.Millisecond), c.slowAfter)
	}
	if c.shorthand {
		// Built without fmt: this is every healthy probe of a sweep.
		return checks.Outcome{Status: result.StatusOK,
			Reason: s.last.Redacted() + " answered " + strconv.Itoa(s.status) + " in " + elapsed.Round(time.Millisecond).String()}
	}
	return checks.OK("%s: %d steps passed in %s", c.subject(s.last), len(c.steps), elapsed.Round(time.Millisecond))
}

func (s *session) observe(o checks.Outcome) checks.Outcome {
	o = o.Observe("response_seconds", s.check.now().Sub(s.start).Seconds())
	if s.status != 0 {
		o = o.Observe("status_code", float64(s.status))
	}
	if s.cert != nil {
		o = o.Observe("cert_days_left", s.cert.cert.NotAfter.Sub(s.start).Hours()/24)
	}
	return o
}

// step makes one request and judges its response; false means it failed.
func (s *session) step(ctx context.Context, st *step) (checks.Outcome, bool) {
	c := s.check
	req, err := s.request(ctx, st)
	if err != nil {
		return checks.Fail("%s%v", c.label(st), err), false
	}
	resp, err := s.client(st.follow).Do(req)
	if err != nil {
		return checks.Fail("%s%s %s: %s", c.label(st), st.method, req.URL.Redacted(), requestReason(ctx, err)), false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	s.last, s.status = resp.Request.URL, resp.StatusCode
	switch {
	case ctx.Err() != nil:
		// The transport can hand over a response that raced the deadline,
		// and a body cut off by it can end like a complete one: judging
		// either would call a slow page empty.
		// One wording whichever way the deadline fell.
		return checks.Fail("%s%s %s: %s", c.label(st), st.method, req.URL.Redacted(), timeoutReason), false
	case err != nil:
		return checks.Fail("%s%s: reading the response failed: %s", c.label(st), req.URL.Redacted(), requestReason(ctx, err)), false
	}
	s.noteCert(resp)
	if msg, ok := st.judge(resp, body); !ok {
		return checks.Fail("%s%s", c.judgePrefix(st, req.URL), msg), false
	}
	for _, x := range st.extract {
		v, ok := x.take(body)
		if !ok {
			return checks.Fail("%s%s", c.judgePrefix(st, req.URL), x.missing()), false
		}
		s.vars[x.name] = v
	}
	return checks.Outcome{}, true
}

// request builds a step's request, resolving its URL against the last one.
func (s *session) request(ctx context.Context, st *step) (*http.Request, error) {
	target := string(st.url)
	if s.last != nil || strings.Contains(target, "${") {
		// A URL with variables or relative to the last one is checked and
		// resolved here; a fixed first URL was checked by New and is parsed
		// once, by the request.
		u, err := url.Parse(st.url.expand(s.vars))
		if err != nil {
			return nil, fmt.Errorf("invalid URL after substitution: %w", err)
		}
		if s.last != nil {
			u = s.last.ResolveReference(u)
		}
		target = u.String()
	}
	var body io.Reader
	contentType := ""
	switch {
	case len(st.form) > 0:
		form := url.Values{}
		for _, k := range sortedKeys(st.form) {
			form.Set(k, st.form[k].expand(s.vars))
		}
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	case st.body != "":
		body = strings.NewReader(st.body.expand(s.vars))
	}
	req, err := http.NewRequestWithContext(ctx, st.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("cannot build the request: %w", err)
	}
	req.Header.Set("User-Agent", "branchready-agent")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, k := range sortedKeys(st.headers) {
		req.Header.Set(k, st.headers[k].expand(s.vars))
	}
	return req, nil
}

func (s *session) client(follow bool) *http.Client {
	cl := &http.Client{Transport: s.check.transport, Jar: s.jar}
	if !follow {
		cl.CheckRedirect = noFollow
	}
	return cl
}

// noFollow makes a redirect the step's response: a login that redirects to
// an error page must not pass.
func noFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (s *session) noteCert(resp *http.Response) {
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return
	}
	leaf := resp.TLS.PeerCertificates[0]
	if s.cert == nil || leaf.NotAfter.Before(s.cert.cert.NotAfter) {
		s.cert = &seenCert{cert: leaf, url: resp.Request.URL.Scheme + "://" + resp.Request.URL.Host}
	}
}

// prefix starts a reason about the whole transaction.
func (c *Check) prefix() string {
	if c.transaction == "" {
		return ""
	}
	return c.transaction + ": "
}

// subject names what was checked: the transaction, or the last URL.
func (c *Check) subject(last *url.URL) string {
	if c.transaction != "" {
		return c.transaction
	}
	if last == nil {
		return "the site"
	}
	return last.Scheme + "://" + last.Host
}

// label starts a reason about one step: `online banking login, step 2
// "submit credentials": `, or nothing for the shorthand.
func (c *Check) label(st *step) string {
	switch {
	case st.label == "":
		return ""
	case c.transaction == "":
		return st.label + ": "
	}
	return c.transaction + ", " + st.label + ": "
}

// judgePrefix starts a reason about a response; the shorthand names its URL.
func (c *Check) judgePrefix(st *step, u *url.URL) string {
	if st.label == "" {
		return u.Redacted() + ": "
	}
	return c.label(st)
}
