package http

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// direct is the round tripper of a probe: a plain-HTTP request without a
// body, to the site itself (no proxy), goes over a fresh connection that
// this goroutine dials, writes in one call, reads and closes; everything
// else (HTTPS, proxies, request bodies, Expect) goes to next, the
// http.Transport.
//
// Why: a Transport with keep-alives off still starts three goroutines per
// request (the dial, the connection's reader and writer), each growing its
// stack from scratch, and hands the response across channels; for a
// single GET of a loopback page that was more CPU than the request itself
// (issue 11: CPU per probe). The connection is still fresh for every
// request, so a probe still proves that a new TCP connection to the site
// works; it asks "Connection: close" as before, and the response is read
// by net/http's own parser. What differs on the wire: no "Accept-Encoding:
// gzip" (the Transport's transparent compression), so a site sends the page
// uncompressed; the page judged is the same text.
type direct struct {
	dialer net.Dialer
	proxy  func(*http.Request) (*url.URL, error)
	next   http.RoundTripper
}

// maxInformational bounds 1xx responses before the real one, as the
// Transport does.
const maxInformational = 5

// bufs pools the connection buffers of direct requests.
var bufs = sync.Pool{New: func() any { return &connBufs{r: bufio.NewReaderSize(nil, 4096), w: bufio.NewWriterSize(nil, 4096)} }}

type connBufs struct {
	r *bufio.Reader
	w *bufio.Writer
}

// RoundTrip implements http.RoundTripper.
func (d *direct) RoundTrip(req *http.Request) (*http.Response, error) {
	if !d.handles(req) {
		return d.next.RoundTrip(req)
	}
	return d.roundTrip(req)
}

// roundTrip makes a request that d handles.
func (d *direct) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	conn, err := d.dialer.DialContext(ctx, "tcp", hostPort(req.URL))
	if err != nil {
		return nil, err
	}
	// Closing the connection when the check's time runs out unblocks the
	// write or read waiting on it, as the Transport does.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	b := bufs.Get().(*connBufs)
	release := func() {
		stop()
		_ = conn.Close()
		b.r.Reset(nil)
		b.w.Reset(nil)
		bufs.Put(b)
	}
	resp, err := exchange(req, conn, b)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &directBody{body: resp.Body, release: release}
	return resp, nil
}

// handles reports whether req takes the direct path.
func (d *direct) handles(req *http.Request) bool {
	if req.URL.Scheme != "http" || req.URL.Host == "" || (req.Body != nil && req.Body != http.NoBody) ||
		req.Header.Get("Expect") != "" || req.Header.Get("Connection") != "" {
		return false
	}
	if d.proxy == nil {
		return true
	}
	u, err := d.proxy(req)
	return err == nil && u == nil
}

// exchange writes req as "Connection: close" and reads its response,
// skipping informational (1xx) ones.
func exchange(req *http.Request, conn net.Conn, b *connBufs) (*http.Response, error) {
	out := *req // the caller's request is not ours to change
	out.Close = true
	b.w.Reset(conn)
	if err := out.Write(b.w); err != nil {
		return nil, err
	}
	if err := b.w.Flush(); err != nil {
		return nil, err
	}
	b.r.Reset(conn)
	// Errors are worded as the Transport words them: a server that closes
	// without a byte is "EOF", a broken answer says the connection broke.
	if _, err := b.r.Peek(1); err != nil {
		return nil, err
	}
	for range maxInformational + 1 {
		resp, err := http.ReadResponse(b.r, req)
		if err != nil {
			return nil, fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", err)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
	return nil, errors.New("too many 1xx informational responses")
}

// hostPort is the dial address of an http URL.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// directBody closes the connection with the body, once. It does not
// close the parsed body first: net/http would read the rest of the page to
// its end, however long, which the probe has no use for. Close returns the
// buffers to the pool, so it must not race a Read: the check reads and
// closes on its one goroutine, and so does http.Client on a redirect.
type directBody struct {
	body    io.Reader
	release func()
	closed  atomic.Bool
}

func (b *directBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errors.New("http: read on closed response body")
	}
	return b.body.Read(p)
}

func (b *directBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.release()
	}
	return nil
}
