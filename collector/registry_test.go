package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/branchready/branchready/collector/auth"
	"golang.org/x/crypto/bcrypt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/enroll"
	"github.com/branchready/branchready/collector/api"
)

// fakeClock stands still until the test moves it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// registryServer is a collector on a fresh store, over real HTTP, with a
// fake clock and the user ops (password "right").
func registryServer(t *testing.T) (*httptest.Server, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	s := securityServer(t, ServerOptions{})
	// securityServer fixes the clock; rebuild on the same store with ours.
	// The registry hands out credentials: its caller is an admin.
	h, err := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.NewAccounts([]auth.Account{{Person: auth.Person{Name: "ops", Role: auth.Admin}, PasswordBcrypt: string(h)}})
	if err != nil {
		t.Fatal(err)
	}
	s = NewServer(ServerOptions{Store: s.store, Tokens: s.opts.Tokens, Users: users, Log: s.log, Now: clk.Now})
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	return srv, clk
}

// admin calls the admin API as ops and decodes the answer into out.
func admin(t *testing.T, srv *httptest.Server, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if body == "" {
		req.Method = http.MethodGet
	}
	req.SetBasicAuth("ops", "right")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// authorized reports whether the collector takes token as a branch's:
// the agents' confirmations endpoint answers 200, or 401.
func authorized(t *testing.T, srv *httptest.Server, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/confirmations?date=2026-11-24", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

type creds struct {
	Branch, Token, Code string
}

func TestEnrollmentEndToEnd(t *testing.T) {
	srv, clk := registryServer(t)
	ctx := context.Background()
	var c creds
	if code := admin(t, srv, "/api/v1/admin/branches", `{"id":"br-001","name":"Main Street","region":"north","channel":"retail","code_ttl":"15m"}`, &c); code != http.StatusCreated || c.Code == "" {
		t.Fatalf("add branch with a code: %d %+v", code, c)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "token")
	o := enroll.Options{Collector: srv.URL, Code: c.Code, TokenPath: path, Client: srv.Client()}

	t.Run("the agent exchanges the code for a working token, written for its eyes only", func(t *testing.T) {
		res, err := enroll.Enroll(ctx, o)
		if err != nil || res.Branch != "br-001" {
			t.Fatalf("Enroll = %+v, %v", res, err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("token file: %v, mode %v; want mode 0600", err, fi.Mode().Perm())
		}
		tok, _ := os.ReadFile(path)
		if !authorized(t, srv, strings.TrimSpace(string(tok))) {
			t.Fatal("ingest refuses the enrolled token")
		}
	})
	t.Run("a reused code is refused on both sides and the token file is left alone", func(t *testing.T) {
		before, _ := os.ReadFile(path)
		_, err := enroll.Enroll(ctx, o)
		if !errors.Is(err, enroll.ErrRefused) || !strings.Contains(err.Error(), "already used") {
			t.Fatalf("Enroll again = %v; want a refusal saying the code was already used", err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatal("a refused enrollment changed the token file")
		}
	})
	t.Run("an expired code is refused", func(t *testing.T) {
		var late creds
		if code := admin(t, srv, "/api/v1/admin/branches/br-001/code", `{}`, &late); code != http.StatusOK {
			t.Fatalf("new code: %d", code)
		}
		clk.Add(15 * time.Minute)
		_, err := enroll.Enroll(ctx, enroll.Options{Collector: srv.URL, Code: late.Code, TokenPath: filepath.Join(dir, "other"), Client: srv.Client()})
		if !errors.Is(err, enroll.ErrRefused) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("Enroll with an expired code = %v; want a refusal saying it expired", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "other")); !os.IsNotExist(err) {
			t.Fatal("a refused enrollment wrote a token file")
		}
	})
	t.Run("the admin API needs a login", func(t *testing.T) {
		resp, err := srv.Client().Post(srv.URL+"/api/v1/admin/branches", "application/json", strings.NewReader(`{"id":"br-002","name":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d without login, want 401", resp.StatusCode)
		}
	})
}

func TestTokenRotationAndRevocationOverHTTP(t *testing.T) {
	srv, clk := registryServer(t)
	var first, second creds
	admin(t, srv, "/api/v1/admin/branches", `{"id":"br-001","name":"Main Street"}`, &first)
	if !authorized(t, srv, first.Token) {
		t.Fatal("a new branch's token is refused")
	}
	if code := admin(t, srv, "/api/v1/admin/branches/br-001/rotate", `{"overlap":"168h"}`, &second); code != http.StatusOK {
		t.Fatalf("rotate: %d", code)
	}
	clk.Add(167 * time.Hour)
	if !authorized(t, srv, first.Token) || !authorized(t, srv, second.Token) {
		t.Fatal("during the overlap both tokens must work")
	}
	clk.Add(time.Hour)
	if authorized(t, srv, first.Token) || !authorized(t, srv, second.Token) {
		t.Fatal("after the overlap only the new token may work")
	}
	if code := admin(t, srv, "/api/v1/admin/branches/br-001/revoke", `{}`, nil); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	if authorized(t, srv, second.Token) {
		t.Fatal("a revoked branch's token still works")
	}
	var list struct {
		Branches []struct {
			ID         string `json:"id"`
			TokenState string `json:"token_state"`
		} `json:"branches"`
	}
	admin(t, srv, "/api/v1/admin/branches", "", &list)
	if len(list.Branches) != 1 || list.Branches[0].TokenState != "revoked" {
		t.Fatalf("list = %+v, want br-001 revoked", list)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/branches", nil)
	req.SetBasicAuth("ops", "right")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("br-001")) || !bytes.Contains(page, []byte(">revoked<")) {
		t.Fatalf("board page /admin/branches: %d\n%s", resp.StatusCode, page)
	}
}

func TestEnrollmentIsRateLimited(t *testing.T) {
	srv, _ := registryServer(t)
	status := 0
	for range api.EnrollFailures + 1 {
		resp, err := srv.Client().Post(srv.URL+"/api/v1/enroll", "application/json", strings.NewReader(`{"code":"AAAA-BBBB-CCCC"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("attempt %d with a bad code: %d, want 429", api.EnrollFailures+1, status)
	}
}
