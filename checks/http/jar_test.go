package http

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestACookieSetOnARedirectFollowedWithinOneStepIsSentToItsTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusFound)
		case "/home":
			if c, err := r.Cookie("session"); err != nil || c.Value != "s1" {
				http.Error(w, "no session", http.StatusForbidden)
				return
			}
			_, _ = io.WriteString(w, "Welcome")
		}
	}))
	defer srv.Close()
	chk := mustNew(t, Config{Steps: []Step{{URL: srv.URL + "/start", FollowRedirects: true, BodyRegex: "Welcome"}}}, nil)
	if out := chk.Run(context.Background()); out.Status != "ok" {
		t.Errorf("got %s %q, want ok: the redirect's cookie must reach /home", out.Status, out.Reason)
	}
}

func TestOnlyChecksThatCanSendBackACookieKeepAJar(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want bool
	}{
		{"a single GET (the shorthand) has none", Config{URL: "http://10.0.0.1/status"}, false},
		{"one step that does not follow redirects has none", Config{Steps: []Step{{URL: "http://10.0.0.1/"}}}, false},
		{"one step that follows redirects keeps one", Config{Steps: []Step{{URL: "http://10.0.0.1/", FollowRedirects: true}}}, true},
		{"two steps keep one", Config{Steps: []Step{{URL: "http://10.0.0.1/"}, {URL: "/home"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustNew(t, tc.cfg, nil).needsJar; got != tc.want {
				t.Errorf("needsJar = %v, want %v", got, tc.want)
			}
		})
	}
}
