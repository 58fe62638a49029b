package http

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/checks"
)

const password = "s3cret!pw"

// loginConfig is the online-banking login as a branch would configure it.
func loginConfig(base string) Config {
	return Config{
		Transaction: "online banking login",
		Username:    "alice",
		PasswordEnv: "BANK_PW",
		Steps: []Step{
			{Name: "open login page", URL: base + "/login", BodyRegex: "Sign in",
				Extract: []Extract{{Var: "csrf", Input: "_csrf"}}},
			{Name: "submit credentials", URL: "/login", Location: "^/home$",
				Form: map[string]string{"_csrf": "${csrf}", "username": "${username}", "password": "${password}"}},
			{Name: "open home", URL: "home", BodyRegex: "Welcome"},
		},
	}
}

// secretsOf resolves only BANK_PW, to value.
func secretsOf(value string) Option {
	return WithSecrets(func(env, _ string) (string, error) {
		if env != "BANK_PW" {
			return "", errors.New("no such secret")
		}
		return value, nil
	})
}

func mustNew(t *testing.T, c Config, ca []byte, opts ...Option) *Check {
	t.Helper()
	chk, err := New(c, ca, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return chk
}

func TestLoginTransaction(t *testing.T) {
	cases := []struct {
		name       string
		password   string
		edit       func(*Config)
		wantStatus string
		want       string // the reason, with the server's URL as BASE
	}{
		{
			name: "a correct login passes all three steps", password: password,
			wantStatus: "ok", want: "online banking login: 3 steps passed in",
		},
		{
			name: "a wrong password names step 2 and the page's message", password: "wrong-pw",
			wantStatus: "fail",
			want:       `online banking login, step 2 "submit credentials": expected redirect to /home, got 200 with "Invalid credentials (you typed <secret>)"`,
		},
		{
			name: "a stale CSRF token is rejected by the site", password: password,
			edit:       func(c *Config) { c.Steps[1].Form["_csrf"] = "stale-token" },
			wantStatus: "fail",
			want:       `online banking login, step 2 "submit credentials": expected redirect to /home, got 403 with "Invalid CSRF token"`,
		},
		{
			name: "a missing CSRF field fails at the step that reads it", password: password,
			edit:       func(c *Config) { c.Steps[0].Extract[0].Input = "csrf_token" },
			wantStatus: "fail",
			want:       `online banking login, step 1 "open login page": the page has no <input name="csrf_token"> to take ${csrf} from`,
		},
		{
			name: "home without the session cookie redirects back to the login", password: password,
			edit: func(c *Config) {
				c.Steps = []Step{{Name: "open home", URL: c.Steps[0].URL[:strings.LastIndex(c.Steps[0].URL, "/")] + "/home", BodyRegex: "Welcome"}}
			},
			wantStatus: "fail",
			want:       `online banking login, step 1 "open home": expected a 2xx status, got 302 to /login?expired=1`,
		},
		{
			name: "a followed redirect is judged on the final page", password: password,
			edit: func(c *Config) {
				c.Steps = []Step{{Name: "open home", URL: c.Steps[0].URL[:strings.LastIndex(c.Steps[0].URL, "/")] + "/home", BodyRegex: "Welcome", FollowRedirects: true}}
			},
			wantStatus: "fail",
			want:       `online banking login, step 1 "open home": expected the page to contain /Welcome/, got 200 with "Sign in to online banking Sign in"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBank("alice", password)
			srv := httptest.NewTLSServer(b.handler())
			defer srv.Close()
			c := loginConfig(srv.URL)
			if tc.edit != nil {
				tc.edit(&c)
			}
			out := mustNew(t, c, serverCA(srv), secretsOf(tc.password)).Run(context.Background())
			reason := strings.ReplaceAll(out.Reason, srv.URL, "BASE")
			t.Logf("%s: %s", out.Status, reason)
			if string(out.Status) != tc.wantStatus || !strings.HasPrefix(reason, tc.want) {
				t.Errorf("got %s %q\nwant %s %q", out.Status, reason, tc.wantStatus, tc.want)
			}
			if strings.Contains(out.Reason, tc.password) {
				t.Errorf("the reason reveals the password: %q", out.Reason)
			}
		})
	}
}

func TestLoginSendsTheSecretOnlyInTheRequest(t *testing.T) {
	b := newBank("alice", password)
	srv := httptest.NewTLSServer(b.handler())
	defer srv.Close()
	out := mustNew(t, loginConfig(srv.URL), serverCA(srv), secretsOf(password)).Run(context.Background())
	if out.Status != "ok" {
		t.Fatalf("login failed: %s", out.Reason)
	}
	if len(b.posted) != 1 || !strings.Contains(b.posted[0], "password=s3cret%21pw") {
		t.Errorf("the site received %q, want the password in the form", b.posted)
	}
}

func TestAnUnreadablePasswordIsUnknownWithoutTheValue(t *testing.T) {
	c := loginConfig("https://127.0.0.1:1")
	out := mustNew(t, c, nil, WithSecrets(func(env, _ string) (string, error) {
		return "", errors.New("environment variable " + env + " is not set")
	})).Run(context.Background())
	want := "online banking login: cannot read the password (password_env BANK_PW): environment variable BANK_PW is not set"
	if out.Status != "unknown" || out.Reason != want {
		t.Errorf("got %s %q, want unknown %q", out.Status, out.Reason, want)
	}
}

func TestCertificateLife(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name       string
		from, to   time.Time
		wantStatus string
		want       string
	}{
		{"an expired certificate fails the first step", now.Add(-30 * 24 * time.Hour), now.Add(-24 * time.Hour), "fail",
			`online banking login, step 1 "open login page": GET BASE/login: TLS certificate expired on ` + now.Add(-24*time.Hour).UTC().Format(time.DateOnly)},
		{"a certificate expiring in 5 days is degraded", now.Add(-time.Hour), now.Add(5 * 24 * time.Hour), "degraded",
			"online banking login: TLS certificate of BASE expires soon: in 5.0 days"},
		{"a certificate expiring in 2 days fails", now.Add(-time.Hour), now.Add(2 * 24 * time.Hour), "fail",
			"online banking login: TLS certificate of BASE expires in 2.0 days"},
		{"a certificate with a year left is fine", now.Add(-time.Hour), now.Add(365 * 24 * time.Hour), "ok",
			"online banking login: 3 steps passed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cert, ca := selfSigned(t, tc.from, tc.to)
			srv := tlsServer(t, newBank("alice", password).handler(), cert)
			out := mustNew(t, loginConfig(srv.URL), ca, secretsOf(password)).Run(context.Background())
			reason := strings.ReplaceAll(out.Reason, srv.URL, "BASE")
			t.Logf("%s: %s", out.Status, reason)
			if string(out.Status) != tc.wantStatus || !strings.HasPrefix(reason, tc.want) {
				t.Errorf("got %s %q\nwant %s %q", out.Status, reason, tc.wantStatus, tc.want)
			}
		})
	}
}

func TestAnUntrustedCertificateFails(t *testing.T) {
	srv := httptest.NewTLSServer(newBank("alice", password).handler())
	defer srv.Close()
	out := mustNew(t, Config{URL: srv.URL + "/login"}, nil).Run(context.Background())
	if out.Status != "fail" || !strings.Contains(out.Reason, "TLS certificate is not trusted (unknown authority)") {
		t.Errorf("got %s %q, want fail: not trusted", out.Status, out.Reason)
	}
}

func TestASlowSiteFailsAtTheDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	out := mustNew(t, loginConfig(srv.URL), serverCA(srv), secretsOf(password)).Run(ctx)
	want := `online banking login, step 1 "open login page": GET ` + srv.URL + `/login: no answer before the check's timeout`
	if out.Status != "fail" || out.Reason != want {
		t.Errorf("got %s %q\nwant fail %q", out.Status, out.Reason, want)
	}
}

func TestShorthandSingleRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "maintenance until 10:00", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("playing spring-savings"))
	}))
	defer srv.Close()
	cases := []struct {
		name       string
		c          Config
		wantStatus string
		want       string
	}{
		{"a matching page is ok", Config{URL: srv.URL + "/status", BodyRegex: "playing"}, "ok", "BASE/status answered 200 in"},
		{"a page without the text fails", Config{URL: srv.URL + "/status", BodyRegex: "idle"}, "fail",
			`BASE/status: expected the page to contain /idle/, got 200 with "playing spring-savings"`},
		{"a 503 fails with the page's words", Config{URL: srv.URL + "/down"}, "fail",
			`BASE/down: expected a 2xx status, got 503 with "maintenance until 10:00"`},
		{"an accepted non-2xx status passes", Config{URL: srv.URL + "/down", Status: []int{503}}, "ok", "BASE/down answered 503"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := mustNew(t, tc.c, nil).Run(context.Background())
			reason := strings.ReplaceAll(out.Reason, srv.URL, "BASE")
			t.Logf("%s: %s", out.Status, reason)
			if string(out.Status) != tc.wantStatus || !strings.HasPrefix(reason, tc.want) {
				t.Errorf("got %s %q\nwant %s %q", out.Status, reason, tc.wantStatus, tc.want)
			}
		})
	}
}

func TestOutcomeCarriesObservations(t *testing.T) {
	srv := httptest.NewTLSServer(newBank("alice", password).handler())
	defer srv.Close()
	out := mustNew(t, loginConfig(srv.URL), serverCA(srv), secretsOf(password)).Run(context.Background())
	for _, k := range []string{"response_seconds", "status_code", "cert_days_left"} {
		if _, ok := out.Observations[k]; !ok {
			t.Errorf("observation %s missing: %v", k, out.Observations)
		}
	}
	if out.Observations["status_code"] != 200 {
		t.Errorf("status_code = %v, want the last step's 200", out.Observations["status_code"])
	}
}

var _ checks.Check = (*Check)(nil)
