package http

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"sync"
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

// bodies pools the buffers steps read pages into: a page is judged and its
// values extracted (copied) within the step, then the buffer is reused.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody bounds the buffers kept in bodies: a rare big page is not
// held on to between sweeps.
const maxPooledBody = 64 << 10

func getBody() *bytes.Buffer { return bodies.Get().(*bytes.Buffer) }

func putBody(b *bytes.Buffer) {
	if b.Cap() > maxPooledBody {
		return
	}
	b.Reset()
	bodies.Put(b)
}

// session is one run of a transaction.
type session struct {
	check *Check
	vars  map[string]string
	jar   http.CookieJar
	start time.Time
	last  *url.URL // the previous step's final URL, for relative URLs
	// lastText is last.Redacted() when New worked it out (a fixed URL
	// answered without a redirect followed), else "".
	lastText string
	status   int
	cert     *seenCert // the certificate closest to expiry
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
			Reason: s.lastRedacted() + " answered " + strconv.Itoa(s.status) + " in " + elapsed.Round(time.Millisecond).String()}
	}
	return checks.OK("%s: %d steps passed in %s", c.subject(s.last), len(c.steps), elapsed.Round(time.Millisecond))
}

// lastRedacted is the last URL as a reason shows it.
func (s *session) lastRedacted() string {
	if s.lastText != "" {
		return s.lastText
	}
	return s.last.Redacted()
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
	resp, err := s.send(req, st)
	if err != nil {
		return checks.Fail("%s%s %s: %s", c.label(st), st.method, req.URL.Redacted(), requestReason(ctx, err)), false
	}
	defer resp.Body.Close()
	buf := getBody()
	defer putBody(buf)
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody))
	body := buf.Bytes()
	s.last, s.status = resp.Request.URL, resp.StatusCode
	s.lastText = ""
	if req.URL == resp.Request.URL && !st.follow {
		s.lastText = st.fixed.text // "" unless the URL is the step's fixed one
	}
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
		if s.vars == nil {
			s.vars = map[string]string{}
		}
		s.vars[x.name] = v
	}
	return checks.Outcome{}, true
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
