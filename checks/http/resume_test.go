package http

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// A branch probes the same site every few minutes: the second probe resumes
// the TLS session (a fraction of a full handshake's cost) and still judges
// the certificate, because a resumed session keeps the server's chain.
func TestASecondProbeResumesItsTLSSessionAndStillJudgesTheCertificate(t *testing.T) {
	var mu sync.Mutex
	var resumed []bool
	cert, ca := selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(5*24*time.Hour))
	srv := tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		resumed = append(resumed, r.TLS.DidResume)
		mu.Unlock()
		_, _ = w.Write([]byte("Sign in"))
	}), cert)
	chk := mustNew(t, Config{URL: srv.URL + "/login", BodyRegex: "Sign in"}, ca)
	for i := range 2 {
		out := chk.Run(context.Background())
		if string(out.Status) != "degraded" || !strings.Contains(out.Reason, "expires soon: in 5.0 days") {
			t.Fatalf("probe %d: %s %q; want the certificate's 5 days left judged degraded", i+1, out.Status, out.Reason)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(resumed) != 2 || resumed[0] || !resumed[1] {
		t.Fatalf("server saw resumption %v, want a full handshake then a resumed one", resumed)
	}
}
