package http

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawSite is a loopback server that reads one request head and answers
// with reply (then closes), recording the request it got. With endless
// set it sends that text forever instead.
type rawSite struct {
	ln      net.Listener
	mu      sync.Mutex
	request string
}

func startRawSite(t *testing.T, reply func(c net.Conn)) *rawSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawSite{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				var head strings.Builder
				for {
					line, err := r.ReadString('\n')
					head.WriteString(line)
					if err != nil || line == "\r\n" {
						break
					}
				}
				s.mu.Lock()
				s.request = head.String()
				s.mu.Unlock()
				reply(c)
			}()
		}
	}()
	return s
}

func (s *rawSite) url() string { return "http://" + s.ln.Addr().String() + "/status" }

func (s *rawSite) lastRequest() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.request
}

func writes(text string) func(net.Conn) {
	return func(c net.Conn) { _, _ = c.Write([]byte(text)) }
}

// The direct path judges every sort of answer as the Transport did: the
// same status and the same reason.
func TestTheDirectPathWordsEveryAnswerAsTheTransportDid(t *testing.T) {
	cases := []struct {
		name  string
		reply func(net.Conn)
		cfg   Config
	}{
		{"a page with a length", writes("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nSystem ready"), Config{BodyRegex: "ready"}},
		{"a chunked page", writes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nSystem\r\n6\r\n ready\r\n0\r\n\r\n"), Config{BodyRegex: "ready"}},
		{"a page that ends when the server closes", writes("HTTP/1.0 200 OK\r\n\r\nSystem ready"), Config{BodyRegex: "ready"}},
		{"a page without the expected text", writes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), Config{BodyRegex: "ready"}},
		{"a server error", writes("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"), Config{}},
		{"a 100 Continue before the answer", writes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), Config{}},
		{"a redirect not followed", writes("HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\n\r\n"), Config{}},
		{"a redirect without a location", writes("HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n"), Config{}},
		{"a redirect whose location does not parse", writes("HTTP/1.1 307 Temporary Redirect\r\nLocation: /%zz\r\nContent-Length: 0\r\n\r\n"), Config{}},
		{"a permanent redirect asked for", writes("HTTP/1.1 308 Permanent Redirect\r\nLocation: https://bank.example/\r\nContent-Length: 0\r\n\r\n"), Config{Status: []int{308}}},
		{"a 303 whose location does not parse", writes("HTTP/1.1 303 See Other\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n"), Config{}},
		{"a body shorter than its length", writes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"), Config{}},
		{"a server that closes without answering", func(net.Conn) {}, Config{}},
		{"a server that answers garbage", writes("hello there\r\n\r\n"), Config{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site := startRawSite(t, tc.reply)
			cfg := tc.cfg
			cfg.URL = site.url()
			viaTransport := mustNew(t, cfg, nil)
			viaTransport.transport = viaTransport.transport.(*direct).next
			want := viaTransport.Run(context.Background())
			got := mustNew(t, cfg, nil).Run(context.Background())
			if got.Status != want.Status || stripTime(got.Reason) != stripTime(want.Reason) {
				t.Errorf("direct: %s %q\nTransport: %s %q", got.Status, got.Reason, want.Status, want.Reason)
			}
		})
	}
}

// stripTime drops the "in 3ms" that differs between two runs.
func stripTime(reason string) string {
	if i := strings.LastIndex(reason, " in "); i >= 0 {
		return reason[:i]
	}
	return reason
}

func TestTheDirectPathAsksForAFreshConnectionToBeClosed(t *testing.T) {
	site := startRawSite(t, writes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	out := mustNew(t, Config{URL: site.url(), Headers: map[string]string{"X-Branch": "0042"}}, nil).Run(context.Background())
	if out.Status != "ok" {
		t.Fatalf("got %s %q", out.Status, out.Reason)
	}
	req := site.lastRequest()
	for _, want := range []string{"GET /status HTTP/1.1\r\n", "Host: " + site.ln.Addr().String() + "\r\n",
		"Connection: close\r\n", "User-Agent: branchready-agent\r\n", "X-Branch: 0042\r\n"} {
		if !strings.Contains(req, want) {
			t.Errorf("request lacks %q:\n%s", want, req)
		}
	}
}

// A site that sends without end is cut at the page limit and at the
// deadline; the probe neither reads it all nor outlives its time.
func TestTheDirectPathStopsAtTheDeadlineOnASiteThatNeverFinishes(t *testing.T) {
	site := startRawSite(t, func(c net.Conn) {
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
		chunk := []byte(strings.Repeat("x", 4096))
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	// Past the page limit the step judges what it read; the rest is not
	// drained. Either way the check returns once its time is up.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := mustNew(t, Config{URL: site.url(), BodyRegex: "ready"}, nil).Run(ctx)
	if ctx.Err() != nil {
		t.Fatalf("the check ran into the 30s deadline reading an endless page: %s %q", out.Status, out.Reason)
	}
	if out.Status != "fail" {
		t.Errorf("got %s %q, want a failure (no \"ready\" in the first MiB)", out.Status, out.Reason)
	}
}

func TestTheDirectPathHonoursTheDeadlineOfASilentSite(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	site := startRawSite(t, func(net.Conn) { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	chk := mustNew(t, Config{URL: site.url()}, nil)
	done := make(chan string, 1)
	go func() {
		out := chk.Run(ctx)
		done <- string(out.Status) + " " + out.Reason
	}()
	// Wait until the request arrived, then end the check's time.
	deadline := time.Now().Add(30 * time.Second)
	for site.lastRequest() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	want := "fail GET " + site.url() + ": " + timeoutReason
	if got := <-done; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRequestsTheDirectPathLeavesToTheTransport(t *testing.T) {
	proxied := func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy.bank.example:3128") }
	failing := func(*http.Request) (*url.URL, error) { return nil, errors.New("bad proxy setting") }
	get := func(raw string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	post, _ := http.NewRequest(http.MethodPost, "http://10.0.0.1/login", strings.NewReader("user=a"))
	expect := get("http://10.0.0.1/")
	expect.Header.Set("Expect", "100-continue")
	cases := []struct {
		name  string
		d     direct
		req   *http.Request
		takes bool
	}{
		{"a plain GET without a proxy", direct{}, get("http://10.0.0.1/status"), true},
		{"an HTTPS request", direct{}, get("https://10.0.0.1/"), false},
		{"a request through a proxy", direct{proxy: proxied}, get("http://10.0.0.1/"), false},
		{"a request whose proxy setting is broken", direct{proxy: failing}, get("http://10.0.0.1/"), false},
		{"a request with a body", direct{}, post, false},
		{"a request that expects 100-continue", direct{}, expect, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.handles(tc.req); got != tc.takes {
				t.Errorf("handles = %v, want %v", got, tc.takes)
			}
		})
	}
}
