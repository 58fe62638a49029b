package slacktest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// form is the fields of a Web API call as net/http's Request.Form holds
// them (the url-encoded body's, then the URL query's), read the way
// Request.ParseForm reads them and failing where it fails. Values stay
// escaped until asked for: a post carries its blocks' JSON, by far its
// largest field, which only a test reading Messages looks at, and
// unescaping every field into a map of slices was most of the fake's
// work for a message.
type form struct{ pairs []pair }

// pair is one field: its name unescaped, its value still escaped (and
// known to unescape).
type pair struct{ key, value string }

// maxFormBody is Request.ParseForm's limit on a url-encoded body.
const maxFormBody = 10 << 20

// errFormTooLarge is the error ParseForm gives a body over its limit.
var errFormTooLarge = errors.New("http: POST too large")

// readForm reads r's form. An error is where ParseForm reports one: a
// missing body, a malformed Content-Type, a body over 10 MiB, a bad
// escape or a semicolon in a field of the body or the URL query.
func readForm(r *http.Request) (form, error) {
	var f form
	var err error
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		err = f.readBody(r)
	}
	if e := f.parse(r.URL.RawQuery); err == nil {
		err = e
	}
	return f, err
}

func (f *form) readBody(r *http.Request) error {
	if r.Body == nil {
		return errors.New("missing form body")
	}
	ct := r.Header.Get("Content-Type")
	if ct != "application/x-www-form-urlencoded" {
		if ct == "" {
			ct = "application/octet-stream"
		}
		var err error
		if ct, _, err = mime.ParseMediaType(ct); err != nil {
			return err
		}
		if ct != "application/x-www-form-urlencoded" {
			return nil
		}
	}
	// As ParseForm reads it: up to one byte past the limit, then refused.
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= maxFormBody {
		buf.Grow(int(r.ContentLength) + 1) // +1: one read past the end finds EOF without growing
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, maxFormBody+1)); err != nil {
		return err
	}
	if buf.Len() > maxFormBody {
		return errFormTooLarge
	}
	return f.parse(buf.String())
}

// parse adds the fields of a url-encoded query, as url.ParseQuery reads
// them, and returns the first error it met (the other fields are kept).
func (f *form) parse(query string) error {
	var err error
	for query != "" {
		var field string
		field, query, _ = strings.Cut(query, "&")
		if strings.Contains(field, ";") {
			if err == nil {
				err = errors.New("invalid semicolon separator in query")
			}
			continue
		}
		if field == "" {
			continue
		}
		key, value, _ := strings.Cut(field, "=")
		key, e := url.QueryUnescape(key)
		if e == nil && !escapesValid(value) {
			_, e = url.QueryUnescape(value) // its error, as ParseQuery words it
		}
		if e != nil {
			if err == nil {
				err = e
			}
			continue
		}
		f.pairs = append(f.pairs, pair{key, value})
	}
	return err
}

// escapesValid reports whether every % in s starts a %XX escape.
func escapesValid(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; i = strings.IndexByte(s, '%') {
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
		s = s[i+3:]
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escaped returns the first value of a field still escaped, "" when none.
func (f form) escaped(key string) string {
	for _, p := range f.pairs {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

// Get returns the first value of a field, as url.Values.Get does.
func (f form) Get(key string) string { return unescape(f.escaped(key)) }

// unescape unescapes a value known to be valid.
func unescape(v string) string {
	if !strings.ContainsAny(v, "%+") {
		return v
	}
	u, err := url.QueryUnescape(v)
	if err != nil {
		panic(fmt.Sprintf("slacktest: a form value checked at parse does not unescape: %v", err))
	}
	return u
}
