package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A cookie the site set in one run is never sent in the next: the headers
// New prepared once are copied for a run that keeps a cookie jar.
func TestACookieFromOneRunIsNotSentByTheNext(t *testing.T) {
	var mu sync.Mutex
	var runs int
	var got []string // the Cookie header of each request, in order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.URL.Path+" "+r.Header.Get("Cookie"))
		if r.URL.Path == "/start" {
			runs++
			http.SetCookie(w, &http.Cookie{Name: "session", Value: fmt.Sprint("s", runs), Path: "/"})
		}
		_, _ = w.Write([]byte("Welcome"))
	}))
	defer srv.Close()
	chk := mustNew(t, Config{Steps: []Step{
		{URL: srv.URL + "/start", Headers: map[string]string{"X-Branch": "0042"}},
		{URL: "/home", Headers: map[string]string{"X-Branch": "0042"}, BodyRegex: "Welcome"},
	}}, nil)
	for run := range 2 {
		if out := chk.Run(context.Background()); out.Status != "ok" {
			t.Fatalf("run %d: got %s %q, want ok", run+1, out.Status, out.Reason)
		}
	}
	want := []string{"/start ", "/home session=s1", "/start ", "/home session=s2"}
	if !slices.Equal(got, want) {
		t.Errorf("requests (path and cookies) %q, want %q", got, want)
	}
}

// A user and password in the URL still reach the site as basic
// authentication, and stay out of the reason.
func TestAPasswordInTheURLIsSentAsBasicAuthentication(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "kiosk" || p != "s3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	u := "http://kiosk:s3cret@" + srv.Listener.Addr().String() + "/"
	out := mustNew(t, Config{URL: u}, nil).Run(context.Background())
	if out.Status != "ok" {
		t.Fatalf("got %s %q, want ok", out.Status, out.Reason)
	}
	if want := "http://kiosk:xxxxx@" + srv.Listener.Addr().String() + "/ answered 200 in "; !strings.HasPrefix(out.Reason, want) {
		t.Errorf("reason %q, want it to start %q", out.Reason, want)
	}
}

// The request of a check whose URL has no variable is the same on every
// run, whatever ran before.
func TestAFixedRequestIsTheSameOnEveryRun(t *testing.T) {
	site := startRawSite(t, writes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	chk := mustNew(t, Config{URL: site.url(), Headers: map[string]string{"X-Branch": "0042", "User-Agent": "kiosk-probe"}}, nil)
	var first string
	for run := range 3 {
		if out := chk.Run(context.Background()); out.Status != "ok" {
			t.Fatalf("run %d: got %s %q", run+1, out.Status, out.Reason)
		}
		if run == 0 {
			first = site.lastRequest()
			continue
		}
		if got := site.lastRequest(); got != first {
			t.Errorf("run %d sent\n%s\nthe first sent\n%s", run+1, got, first)
		}
	}
	for _, want := range []string{"User-Agent: kiosk-probe\r\n", "X-Branch: 0042\r\n"} {
		if !strings.Contains(first, want) {
			t.Errorf("request lacks %q:\n%s", want, first)
		}
	}
}
