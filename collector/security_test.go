package collector

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/crypto/bcrypt"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// securityServer is a collector with one branch that has a manual item and
// one user, ops, whose password is "right".
func securityServer(t *testing.T, o ServerOptions) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &result.Descriptor{Name: "Bank Street", Calendar: calendar.Spec{Timezone: "UTC", Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00"}},
		Devices: []result.Device{{ID: "lobby", Kind: "other", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "feedback-book", Kind: "manual"}}}}}
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	if err := st.PutBranch(ctx, "lon", d, store.Contact{At: now}); err != nil {
		t.Fatal(err)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	o.Store, o.Log, o.Now = st, log, func() time.Time { return now }
	o.Tokens, _ = auth.NewTokens(nil)
	o.Users, _ = auth.NewUsers(map[string]string{"ops": string(h)})
	return NewServer(o)
}

func TestTheConfirmationAPIRefusesCrossSiteAndNonJSONPosts(t *testing.T) {
	const body = `{"device":"lobby","check":"feedback-book","by":"Ann"}`
	tests := []struct {
		name        string
		contentType string
		headers     map[string]string
		want        int
	}{
		{"an auto-submitting text/plain form on another site is forbidden", "text/plain",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"JSON from another site is forbidden", "application/json",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"a text/plain body from a script without a browser is refused as not JSON", "text/plain", nil, http.StatusUnsupportedMediaType},
		{"JSON from the board's own origin is recorded", "application/json",
			map[string]string{"Origin": "http://collector.example", "Sec-Fetch-Site": "same-origin"}, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := securityServer(t, ServerOptions{})
			r := httptest.NewRequest(http.MethodPost, "http://collector.example/api/v1/branches/lon/confirmations", strings.NewReader(body))
			r.SetBasicAuth("ops", "right")
			r.Header.Set("Content-Type", tc.contentType)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			s.Handler.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("answered %d %s, want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.want)
			}
		})
	}
}

func TestFailedLoginsAreCountedAndThrottled(t *testing.T) {
	s := securityServer(t, ServerOptions{})
	codes := map[int]int{}
	for range 200 {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/branches", nil)
		r.SetBasicAuth("ops", "guess")
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, r)
		codes[w.Code]++
	}
	if codes[http.StatusTooManyRequests] == 0 {
		t.Errorf("200 wrong passwords answered %v: none throttled", codes)
	}
	wrong := testutil.ToFloat64(s.Metrics.LoginFailures.WithLabelValues(auth.FailureWrongPassword))
	throttled := testutil.ToFloat64(s.Metrics.LoginFailures.WithLabelValues(auth.FailureThrottled))
	if wrong+throttled != 200 || wrong != float64(codes[http.StatusUnauthorized]) {
		t.Errorf("branchready_login_failures_total wrong_password %v throttled %v, answers %v", wrong, throttled, codes)
	}
}

// Behind a load balancer every request comes from its address. Bad logins
// from one client (40 guesses at other names, past the per-address limit)
// then lock out everybody, ops with the right password too, unless the
// balancer is trusted: then each client is counted at its own address, the
// guesser is still throttled, and ops logs in.
func TestBehindATrustedProxyOneClientsBadLoginsLockOutOnlyThatClient(t *testing.T) {
	const balancer = "192.0.2.1:4711" // httptest's peer address
	login := func(s *Server, user, password, client string) int {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/branches", nil)
		r.RemoteAddr = balancer
		r.Header.Set("X-Forwarded-For", client)
		r.SetBasicAuth(user, password)
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, r)
		return w.Code
	}
	proxies, err := auth.ParseProxies([]string{"192.0.2.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		o              ServerOptions
		opsGets, guess int
	}{
		{"the balancer trusted", ServerOptions{TrustedProxies: proxies}, http.StatusOK, http.StatusTooManyRequests},
		{"the balancer not trusted: everybody looks like it", ServerOptions{}, http.StatusTooManyRequests, http.StatusTooManyRequests},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := securityServer(t, c.o)
			for i := range 40 {
				login(s, fmt.Sprintf("user%02d", i), "guess", "203.0.113.9")
			}
			if got := login(s, "user99", "guess", "203.0.113.9"); got != c.guess {
				t.Errorf("the guesser's next try answered %d, want %d", got, c.guess)
			}
			if got := login(s, "ops", "right", "198.51.100.7"); got != c.opsGets {
				t.Errorf("ops with the right password from another client answered %d, want %d", got, c.opsGets)
			}
		})
	}
}

func TestMetricsCanBeMovedAndGuarded(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("scrape"), bcrypt.MinCost)
	prom, _ := auth.NewUsers(map[string]string{"prometheus": string(h)})
	s := securityServer(t, ServerOptions{MetricsApart: true, MetricsLogin: prom.Require})
	get := func(h http.Handler, user, pw string) int {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if user != "" {
			r.SetBasicAuth(user, pw)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := get(s.Handler, "", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the main address: %d, want 404 when served apart", code)
	}
	if code := get(s.MetricsHandler, "", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a login: %d, want 401", code)
	}
	if code := get(s.MetricsHandler, "prometheus", "scrape"); code != http.StatusOK {
		t.Errorf("/metrics with the login: %d, want 200", code)
	}
}
