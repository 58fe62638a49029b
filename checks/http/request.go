package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// userAgent is what every request says it is.
const userAgent = "branchready-agent"

// fixed is what New works out once for a step's request instead of every
// run (issue 11, CPU per probe): the first step's URL when it has no
// placeholder, and the request headers when none has one.
type fixed struct {
	// url is the first step's URL, parsed (nil when it has a placeholder or
	// the step is not the first); text is url.Redacted().
	url  *url.URL
	text string
	// header is the request's header (User-Agent, Content-Type of a form,
	// the step's own), or nil when a value has a placeholder.
	header http.Header
}

// fix works out a compiled step's fixed parts. first says whether it is
// the transaction's first step (the only one whose URL is not relative to
// another's). New has already checked the URL.
func (st *step) fix(first bool) {
	if first && !strings.Contains(string(st.url), "${") {
		if u, err := url.Parse(string(st.url)); err == nil {
			u.Host = removeEmptyPort(u.Host) // as http.NewRequest does
			st.fixed.url, st.fixed.text = u, u.Redacted()
		}
	}
	for _, v := range st.headers {
		if strings.Contains(string(v), "${") {
			return
		}
	}
	h := http.Header{}
	st.setHeaders(h, nil)
	st.fixed.header = h
}

// setHeaders sets the step's request headers on h, expanding vars.
func (st *step) setHeaders(h http.Header, vars map[string]string) {
	h.Set("User-Agent", userAgent)
	if len(st.form) > 0 {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, k := range sortedKeys(st.headers) {
		h.Set(k, st.headers[k].expand(vars))
	}
}

// removeEmptyPort strips an empty port ("host:" becomes "host") as
// http.NewRequest does.
func removeEmptyPort(host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// request builds a step's request, resolving its URL against the last one.
func (s *session) request(ctx context.Context, st *step) (*http.Request, error) {
	var body io.Reader
	switch {
	case len(st.form) > 0:
		form := url.Values{}
		for _, k := range sortedKeys(st.form) {
			form.Set(k, st.form[k].expand(s.vars))
		}
		body = strings.NewReader(form.Encode())
	case st.body != "":
		body = strings.NewReader(st.body.expand(s.vars))
	}
	req, err := s.newRequest(ctx, st, body)
	if err != nil {
		return nil, err
	}
	switch {
	case st.fixed.header != nil && s.jar == nil:
		// Shared by every run: nothing writes to a request's header
		// but a cookie jar (http.Client adds cookies to it; it copies
		// the header before setting anything else).
		req.Header = st.fixed.header
	case st.fixed.header != nil:
		req.Header = st.fixed.header.Clone()
	default:
		st.setHeaders(req.Header, s.vars)
	}
	return req, nil
}

// newRequest is http.NewRequestWithContext for the step's URL. A fixed first
// URL was parsed by New and is copied, not parsed again; one with variables
// or relative to the last is checked and resolved here.
func (s *session) newRequest(ctx context.Context, st *step, body io.Reader) (*http.Request, error) {
	if s.last == nil && st.fixed.url != nil {
		req, err := http.NewRequestWithContext(ctx, st.method, "", body)
		if err != nil {
			return nil, fmt.Errorf("cannot build the request: %w", err)
		}
		u := *st.fixed.url
		req.URL, req.Host = &u, u.Host
		return req, nil
	}
	target := string(st.url)
	if s.last != nil || strings.Contains(target, "${") {
		u, err := url.Parse(st.url.expand(s.vars))
		if err != nil {
			return nil, fmt.Errorf("invalid URL after substitution: %w", err)
		}
		if s.last != nil {
			u = s.last.ResolveReference(u)
		}
		target = u.String()
	}
	req, err := http.NewRequestWithContext(ctx, st.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("cannot build the request: %w", err)
	}
	return req, nil
}

// send makes a step's request. One that the direct path takes, in a run
// without a cookie jar and not following redirects (a plain-HTTP shorthand
// check), goes to it without an http.Client, whose redirect and header
// bookkeeping (a copy of the request's header for the next hop, among
// others) such a request has no use for; otherwise the client sends it.
// Either way the step sees the same response or the same error.
func (s *session) send(req *http.Request, st *step) (*http.Response, error) {
	d, ok := s.check.transport.(*direct)
	if !ok || st.follow || s.jar != nil || req.URL.User != nil || !d.handles(req) {
		return s.client(st.follow).Do(req)
	}
	resp, err := d.roundTrip(req)
	if err != nil {
		return nil, clientError(req, err)
	}
	// http.Client with noFollow returns a redirect as the response, but
	// first parses its Location as the next hop's URL.
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		if loc := resp.Header.Get("Location"); loc != "" {
			if _, err := req.URL.Parse(loc); err != nil {
				_ = resp.Body.Close()
				return nil, clientError(req, fmt.Errorf("failed to parse Location header %q: %v", loc, err))
			}
		}
	}
	return resp, nil
}

// clientError wraps err as http.Client does.
func clientError(req *http.Request, err error) error {
	op := "Get"
	if m := req.Method; m != "" {
		op = m[:1] + strings.ToLower(m[1:])
	}
	return &url.Error{Op: op, URL: req.URL.String(), Err: err}
}
