package collector

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// running starts a collector's server from the file at path, the way Run
// wires it, and returns its reloader.
func running(t *testing.T, path string) *reloader {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens, users := cfg.tokens(), cfg.users()
	rl := &reloader{path: path, log: log, tokens: tokens, users: users, running: cfg}
	rl.srv = NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Reload: rl.Reload})
	rl.srv.Apply(cfg.settings())
	return rl
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReloadAppliesWhatCanChangeAndRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	hash, _ := auth.HashPassword("old password 1")
	writeFile(t, path, "users: [{name: ops, password_bcrypt: \""+hash+"\"}]\n")
	rl := running(t, path)
	users, tokens := rl.users, rl.tokens
	if !users.Check("ops", "old password 1") {
		t.Fatal("login before reload failed")
	}

	writeFile(t, path, "users: [{name: ops, password_bcrypt: nonsense}]\nclock_skew_threshold: 5m\n")
	if err := rl.Reload(); err == nil {
		t.Fatal("a broken file was accepted")
	}
	if !users.Check("ops", "old password 1") || rl.srv.Engine.SkewThreshold != 2*time.Minute {
		t.Fatal("a refused reload changed the running configuration")
	}

	newHash, _ := auth.HashPassword("new password 2")
	tok := auth.NewToken()
	writeFile(t, path, "users: [{name: ops, password_bcrypt: \""+newHash+"\"}]\nagents: [{branch: lon, token_sha256: "+auth.HashToken(tok)+"}]\n"+
		"clock_skew_threshold: 5m\nretention: 48h\n")
	if err := rl.Reload(); err != nil {
		t.Fatal(err)
	}
	if users.Check("ops", "old password 1") || !users.Check("ops", "new password 2") {
		t.Error("after reload the old password still works or the new one does not")
	}
	req := httptest.NewRequest("POST", "/api/v1/results", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if b, err := tokens.Branch(req); err != nil || b != "lon" {
		t.Errorf("the new branch token: %q, %v", b, err)
	}
	if rl.srv.Engine.SkewThreshold != 5*time.Minute {
		t.Errorf("clock skew threshold %v after reload, want 5m", rl.srv.Engine.SkewThreshold)
	}
	if got := time.Duration(rl.srv.retention.Load()); got != 48*time.Hour {
		t.Errorf("retention %v after reload, want 48h", got)
	}
	if r := rl.srv.currentRoller(); r.Retention != 48*time.Hour || r.Lookback != 24*time.Hour {
		t.Errorf("the SLA roll-up after reload has retention %v and lookback %v, want 48h and 24h", r.Retention, r.Lookback)
	}
}

func TestReloadEndpointServesLoopbackAndLoggedInUsersOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.yaml")
	hash, _ := auth.HashPassword("password 1")
	users := "users: [{name: ops, password_bcrypt: \"" + hash + "\"}, {name: root, role: admin, password_bcrypt: \"" + hash + "\"}]\n"
	writeFile(t, path, users)
	rl := running(t, path)
	writeFile(t, path, users+"clock_skew_threshold: 7m\n")
	tests := []struct {
		name       string
		remote     string
		user, pass string
		forwarded  bool
		want       int
	}{
		{name: "a remote caller without a login is refused", remote: "192.0.2.7:4000", want: http.StatusUnauthorized},
		{name: "a caller behind a local proxy is remote, not loopback", remote: "127.0.0.1:4000", forwarded: true, want: http.StatusUnauthorized},
		{name: "a remote operations user may not reload: users and tokens are the admin's", remote: "192.0.2.7:4000", user: "ops", pass: "password 1", want: http.StatusForbidden},
		{name: "a remote admin reloads", remote: "192.0.2.7:4000", user: "root", pass: "password 1", want: http.StatusOK},
		{name: "a caller on this machine reloads without a login", remote: "127.0.0.1:4000", want: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/-/reload", nil)
			req.RemoteAddr = tc.remote
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			if tc.forwarded {
				req.Header.Set("X-Forwarded-For", "192.0.2.7")
			}
			w := httptest.NewRecorder()
			rl.srv.Handler.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
		})
	}
	if rl.srv.Engine.SkewThreshold != 7*time.Minute {
		t.Errorf("clock skew threshold %v, want the reloaded 7m", rl.srv.Engine.SkewThreshold)
	}
	writeFile(t, path, "users: []\n")
	req := httptest.NewRequest("POST", "/-/reload", nil)
	req.RemoteAddr = "127.0.0.1:4000"
	w := httptest.NewRecorder()
	rl.srv.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "list at least one user") {
		t.Errorf("a broken file: %d %q, want 400 naming the problem", w.Code, w.Body)
	}
}
