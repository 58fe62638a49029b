package sip

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// maxMessage bounds one SIP message read from a stream.
const maxMessage = 64 * 1024

// request is one SIP request ready to send.
type request struct {
	method, uri string
	branch      string
	cseq        int
	headers     [][2]string // in order; Via, CSeq and Content-Length are added
	via         string      // "SIP/2.0/UDP 10.0.0.9:5062"
}

// bytes renders the request with an empty body.
func (r *request) bytes() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", r.method, r.uri)
	fmt.Fprintf(&b, "Via: %s;branch=%s;rport\r\n", r.via, r.branch)
	b.WriteString("Max-Forwards: 70\r\n")
	for _, h := range r.headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", r.cseq, r.method)
	b.WriteString("User-Agent: branchready\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// response is a parsed SIP response.
type response struct {
	code    int
	reason  string
	headers map[string][]string // canonical full names
}

// status is "200 OK".
func (r *response) status() string { return fmt.Sprintf("%d %s", r.code, r.reason) }

func (r *response) get(name string) string {
	if v := r.headers[textproto.CanonicalMIMEHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// compact maps RFC 3261 compact header names to full ones.
var compact = map[string]string{
	"i": "Call-Id", "m": "Contact", "l": "Content-Length", "f": "From",
	"t": "To", "v": "Via", "c": "Content-Type", "k": "Supported", "e": "Content-Encoding",
}

var errNotResponse = errors.New("not a SIP response")

// readResponse reads one message from r: start line, headers and the body
// Content-Length announces (skipped). Blank keep-alive lines are skipped.
func readResponse(r *bufio.Reader) (*response, error) {
	tp := textproto.NewReader(r)
	var start string
	for start == "" {
		line, err := tp.ReadLine()
		if err != nil {
			return nil, err
		}
		start = strings.TrimSpace(line)
	}
	resp, err := parseStatus(start)
	if err != nil {
		return nil, err
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("headers: %w", err)
	}
	resp.headers = map[string][]string{}
	for k, v := range h {
		if full, ok := compact[strings.ToLower(k)]; ok {
			k = full
		}
		resp.headers[k] = append(resp.headers[k], v...)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(resp.get("Content-Length"))); n > 0 {
		if n > maxMessage {
			return nil, fmt.Errorf("body of %d bytes is too long", n)
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	return resp, nil
}

// parseStatus parses "SIP/2.0 200 OK".
func parseStatus(line string) (*response, error) {
	proto, rest, _ := strings.Cut(line, " ")
	codeText, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if proto != "SIP/2.0" || err != nil || code < 100 || code > 699 {
		return nil, fmt.Errorf("%w: %q", errNotResponse, line)
	}
	return &response{code: code, reason: strings.TrimSpace(reason)}, nil
}

// matches reports whether resp answers req: same branch in the top Via and
// the same CSeq.
func (r *response) matches(req *request) bool {
	via := r.get("Via")
	if i := strings.IndexByte(via, ','); i >= 0 {
		via = via[:i]
	}
	return param(via, "branch") == req.branch &&
		strings.Join(strings.Fields(r.get("CSeq")), " ") == fmt.Sprintf("%d %s", req.cseq, req.method)
}

// canonical is the form textproto gives header names.
func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }

// param returns the value of ;name=value in a header value.
func param(v, name string) string {
	for _, p := range strings.Split(v, ";")[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, name) {
			return val
		}
	}
	return ""
}

// token returns n random bytes in hex, for tags, branches and Call-IDs.
func token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
