package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/branchready/branchready/checks"
)

// Config is the http kind's options.
type Config struct {
	URL    string `yaml:"url" doc:"http:// or https:// URL to request."`
	Method string `yaml:"method" doc:"HTTP method; default GET."`
	// Status lists the accepted status codes; default any 2xx.
	Status    []int             `yaml:"status" doc:"Accepted status codes; default any 2xx."`
	BodyRegex string            `yaml:"body_regex" doc:"Regular expression the body must match."`
	Headers   map[string]string `yaml:"headers" doc:"Request headers."`
	// CertDegradedUnder and CertFailUnder bound the certificate's remaining life.
	CertDegradedUnder time.Duration `yaml:"cert_degraded_under" doc:"Degraded when the TLS certificate expires within this; default 336h (14 days)."`
	CertFailUnder     time.Duration `yaml:"cert_fail_under" doc:"Fail when the TLS certificate expires within this; default 72h."`
	// CAFile trusts an extra CA (a private online-banking test site).
	CAFile    string        `yaml:"ca_file" doc:"PEM file of CA certificates to trust besides the system ones."`
	SlowAfter time.Duration `yaml:"slow_after" doc:"Response time above which the check is degraded."`
}

// Check is a compiled http check.
type Check struct {
	url           string
	method        string
	status        map[int]bool
	body          *regexp.Regexp
	headers       map[string]string
	certDeg, cert time.Duration
	slowAfter     time.Duration
	client        *http.Client
}

// New validates c and builds a Check. caPEM is the content of CAFile, read
// by the caller so that New does no I/O.
func New(c Config, caPEM []byte) (*Check, error) {
	var p checks.Problems
	u, err := url.Parse(c.URL)
	if c.URL == "" {
		p.Addf("url", "must be set")
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Addf("url", "%q: must be an absolute http:// or https:// URL", c.URL)
	}
	method := strings.ToUpper(c.Method)
	if method == "" {
		method = http.MethodGet
	}
	status := map[int]bool{}
	for i, s := range c.Status {
		if s < 100 || s > 599 {
			p.Addf(fmt.Sprintf("status[%d]", i), "%d: must be an HTTP status 100-599", s)
		}
		status[s] = true
	}
	var re *regexp.Regexp
	if c.BodyRegex != "" {
		if re, err = regexp.Compile(c.BodyRegex); err != nil {
			p.Addf("body_regex", "%q: invalid regular expression: %v", c.BodyRegex, err)
		}
	}
	if c.CertDegradedUnder == 0 {
		c.CertDegradedUnder = 14 * 24 * time.Hour
	}
	if c.CertFailUnder == 0 {
		c.CertFailUnder = 72 * time.Hour
	}
	if c.CertFailUnder > c.CertDegradedUnder {
		p.Addf("cert_fail_under", "%v: must not exceed cert_degraded_under (%v)", c.CertFailUnder, c.CertDegradedUnder)
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool, perr := x509.SystemCertPool()
		if perr != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(caPEM) {
			p.Addf("ca_file", "%q: holds no PEM certificate", c.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	transport := &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment}
	return &Check{
		url: c.URL, method: method, status: status, body: re, headers: c.Headers,
		certDeg: c.CertDegradedUnder, cert: c.CertFailUnder, slowAfter: c.SlowAfter,
		client: &http.Client{
			Transport: transport,
			// Redirects are reported, not followed: a login page that
			// redirects to an error page must not pass.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Run makes the request and judges the response.
func (c *Check) Run(ctx context.Context) checks.Outcome {
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, nil)
	if err != nil {
		return checks.Fail("cannot build request: %v", err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "branchready-agent")
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return checks.Fail("%s %s: %s", c.method, c.url, requestReason(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	elapsed := time.Since(start)
	obs := func(o checks.Outcome) checks.Outcome {
		o = o.Observe("response_seconds", elapsed.Seconds()).Observe("status_code", float64(resp.StatusCode))
		return o
	}
	if err != nil {
		return obs(checks.Fail("%s: reading the response failed: %s", c.url, requestReason(ctx, err)))
	}
	if !c.statusOK(resp.StatusCode) {
		msg := fmt.Sprintf("%s answered %s", c.url, resp.Status)
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " redirecting to " + loc
		}
		return obs(checks.Fail("%s", msg))
	}
	if c.body != nil && !c.body.Match(body) {
		return obs(checks.Fail("%s answered %d but the page does not contain /%s/", c.url, resp.StatusCode, c.body))
	}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		if o, bad := c.certificate(resp.TLS.PeerCertificates[0], start); bad {
			return obs(o)
		}
	}
	if c.slowAfter > 0 && elapsed > c.slowAfter {
		return obs(checks.Degraded("%s is slow: answered in %s (over %s)", c.url, elapsed.Round(time.Millisecond), c.slowAfter))
	}
	return obs(checks.OK("%s answered %d in %s", c.url, resp.StatusCode, elapsed.Round(time.Millisecond)))
}

func (c *Check) statusOK(code int) bool {
	if len(c.status) == 0 {
		return code >= 200 && code < 300
	}
	return c.status[code]
}

func (c *Check) certificate(cert *x509.Certificate, now time.Time) (checks.Outcome, bool) {
	left := cert.NotAfter.Sub(now)
	days := left.Hours() / 24
	switch {
	case left < c.cert:
		return checks.Fail("TLS certificate of %s expires in %.1f days (%s)", c.url, days, cert.NotAfter.Format(time.DateOnly)).Observe("cert_days_left", days), true
	case left < c.certDeg:
		return checks.Degraded("TLS certificate of %s expires soon: in %.1f days (%s)", c.url, days, cert.NotAfter.Format(time.DateOnly)).Observe("cert_days_left", days), true
	}
	return checks.Outcome{}, false
}

// requestReason words a client error for a person.
func requestReason(ctx context.Context, err error) string {
	var certErr *tls.CertificateVerificationError
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS certificate has expired or is not yet valid: " + invalid.Error()
	case errors.As(err, &unknown):
		return "TLS certificate is not trusted (unknown authority)"
	case errors.As(err, &host):
		return "TLS certificate does not match the host name: " + host.Error()
	case errors.As(err, &certErr):
		return "TLS certificate is invalid: " + certErr.Err.Error()
	case ctx.Err() != nil:
		return "no answer before the check's timeout"
	}
	return err.Error()
}
