package http

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync"
	"testing"
	"time"
)

// A probe that sends no password skips the post-quantum hybrid key
// exchange (its ML-KEM half costs the agent a quarter of its CPU on an HTTPS
// sweep); a check that logs in keeps it, since what it sends could be
// recorded now and decrypted later.
func TestOnlyACheckThatSendsAPasswordOffersThePostQuantumKeyExchange(t *testing.T) {
	tests := []struct {
		name   string
		config func(url string) Config
		opts   []Option
		hybrid bool
	}{
		{name: "a page probe uses a classic key exchange",
			config: func(url string) Config { return Config{URL: url + "/login"} }},
		{name: "a login with a password keeps the hybrid key exchange",
			config: loginConfig, opts: []Option{secretsOf("s3cret")}, hybrid: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var curves []tls.CurveID
			cert, ca := selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
			srv := tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				curves = append(curves, r.TLS.CurveID)
				mu.Unlock()
				http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
				_, _ = w.Write([]byte(`Sign in <input name="csrf" value="t"> Welcome`))
			}), cert)
			mustNew(t, tc.config(srv.URL), ca, tc.opts...).Run(context.Background())
			mu.Lock()
			defer mu.Unlock()
			if len(curves) == 0 {
				t.Fatal("the server saw no request")
			}
			if got := curves[0] == tls.X25519MLKEM768; got != tc.hybrid {
				t.Errorf("key exchange %v, want hybrid %v", curves[0], tc.hybrid)
			}
		})
	}
}
