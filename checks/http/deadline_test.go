package http

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// lateTransport ends the check's context itself and then answers: a
// response that raced the deadline, as a real transport sometimes hands
// over. With partial set, the page stops after partial and ends cleanly as
// the deadline passes (a server closing the connection at that moment).
type lateTransport struct {
	expire  context.CancelFunc
	partial string
}

func (l lateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/html"}}, Request: req}
	if l.partial == "" {
		l.expire()
		resp.Body = io.NopCloser(strings.NewReader(""))
		return resp, nil
	}
	resp.Body = &stalledBody{expire: l.expire, part: strings.NewReader(l.partial)}
	return resp, nil
}

type stalledBody struct {
	expire context.CancelFunc
	part   *strings.Reader
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if b.part.Len() > 0 {
		return b.part.Read(p)
	}
	b.expire()
	return 0, io.EOF
}

func (b *stalledBody) Close() error { return nil }

func TestAReplyThatRacesTheDeadlineIsATimeoutNotAVerdict(t *testing.T) {
	for _, tc := range []struct {
		name, partial string
	}{
		{"an empty response handed over as the deadline passes", ""},
		{"a page cut off at the deadline", "<html><body>Loading"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chk := mustNew(t, Config{URL: "https://bank.example/login", BodyRegex: "Sign in"}, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			chk.transport = lateTransport{expire: cancel, partial: tc.partial}
			out := chk.Run(ctx)
			want := "GET https://bank.example/login: no answer before the check's timeout"
			if out.Status != "fail" || out.Reason != want {
				t.Errorf("got %s %q\nwant fail %q", out.Status, out.Reason, want)
			}
		})
	}
}

func TestARefusedConnectionIsWordedWithTheURLOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	url := "http://" + addr + "/status"
	out := mustNew(t, Config{URL: url}, nil).Run(context.Background())
	want := "GET " + url + ": connection refused (is the site up, and the address and port right?)"
	if out.Status != "fail" || out.Reason != want {
		t.Errorf("got %s %q\nwant fail %q", out.Status, out.Reason, want)
	}
}
