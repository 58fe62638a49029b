package auth

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func usersAtCost(t *testing.T, cost int, names ...string) *Users {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("right password"), cost)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, n := range names {
		m[n] = string(h)
	}
	u, err := NewUsers(m)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type failures struct {
	mu  sync.Mutex
	got []string
}

func (f *failures) add(user, addr, reason string) {
	f.mu.Lock()
	f.got = append(f.got, user+" "+addr+" "+reason)
	f.mu.Unlock()
}

func login(h http.Handler, addr, user, pw string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = addr + ":40000"
	r.SetBasicAuth(user, pw)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestTwoHundredWrongPasswordsLockTheUserOut(t *testing.T) {
	u := usersAtCost(t, bcrypt.MinCost, "ops")
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	var f failures
	u.Guard(GuardOptions{Now: func() time.Time { return now }, OnFailure: f.add})
	h := u.Require(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	codes := map[int]int{}
	for range 200 {
		codes[login(h, "192.0.2.7", "ops", "guess").Code]++
	}
	if codes[401] != DefaultUserFailures || codes[429] != 200-DefaultUserFailures {
		t.Errorf("answers %v, want %d × 401 then 429", codes, DefaultUserFailures)
	}
	w := login(h, "198.51.100.9", "ops", "right password")
	if w.Code != 429 || w.Header().Get("Retry-After") != "900" {
		t.Errorf("the right password during the lockout: %d, Retry-After %q; want 429, 900", w.Code, w.Header().Get("Retry-After"))
	}
	if len(f.got) != 201 || f.got[0] != "ops 192.0.2.7 wrong_password" || f.got[200] != "ops 198.51.100.9 throttled" {
		t.Errorf("%d failures reported, first %q last %q", len(f.got), f.got[0], f.got[len(f.got)-1])
	}
	now = now.Add(DefaultFailWindow)
	if w := login(h, "198.51.100.9", "ops", "right password"); w.Code != 204 {
		t.Errorf("the right password after the window: %d, want 204", w.Code)
	}
}

func TestOneAddressGuessingManyUsersIsThrottled(t *testing.T) {
	u := usersAtCost(t, bcrypt.MinCost, "ops")
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	u.Guard(GuardOptions{Now: func() time.Time { return now }})
	h := u.Require(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	for i := range DefaultAddrFailures {
		login(h, "192.0.2.7", "user"+string(rune('a'+i%26))+string(rune('a'+i/26)), "guess")
	}
	if w := login(h, "192.0.2.7", "ops", "right password"); w.Code != 429 {
		t.Errorf("from the guessing address: %d, want 429", w.Code)
	}
	if w := login(h, "192.0.2.8", "ops", "right password"); w.Code != 204 {
		t.Errorf("from another address: %d, want 204", w.Code)
	}
}

func TestAnUnknownUserCostsAsMuchAsAKnownOne(t *testing.T) {
	const cost = 6
	u := usersAtCost(t, cost, "ops")
	if got, _ := bcrypt.Cost(u.dummyHash()); got != cost {
		t.Errorf("the hash compared for unknown users has cost %d, the users' hashes %d", got, cost)
	}
	if u.Check("nobody", "guess") {
		t.Error("an unknown user logged in")
	}
}

func TestBcryptWaitsForTheBoundedPool(t *testing.T) {
	u := usersAtCost(t, bcrypt.MinCost, "ops")
	u.Guard(GuardOptions{Workers: 1})
	if err := u.guard.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok, err := u.check(ctx, "ops", "right password"); ok || err == nil {
		t.Errorf("with the pool full and the request gone: %v, %v; want a refusal without bcrypt", ok, err)
	}
	u.guard.release()
	if _, ok, err := u.check(context.Background(), "ops", "right password"); !ok || err != nil {
		t.Errorf("with the pool free: %v, %v", ok, err)
	}
}

// Logins that queued for the bcrypt pool together are let in by the
// first one's bcrypt: each ran its own before.
func TestLoginsQueuedTogetherShareTheFirstOnesBcrypt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := usersAtCost(t, bcrypt.MinCost, "ops")
		u.Guard(GuardOptions{Workers: 1})
		if err := u.guard.acquire(context.Background()); err != nil { // the first login's bcrypt
			t.Fatal(err)
		}
		got := make(chan Person, 1)
		go func() {
			p, ok, err := u.check(context.Background(), "ops", "right password")
			if !ok || err != nil {
				t.Errorf("the queued login: %v, %v", ok, err)
			}
			got <- p
		}()
		synctest.Wait() // the second login missed the cache and waits for the pool
		// The first login passes and is cached; a person no bcrypt would
		// return shows which way the second one was let in.
		sum := sha256.Sum256([]byte("ops\x00right password"))
		u.ok.Store("ops", cachedLogin{sum: sum[:], person: Person{Name: "ops", Role: Admin}})
		u.guard.release()
		if p := <-got; p.Role != Admin {
			t.Errorf("the queued login ran bcrypt itself (role %s)", p.Role)
		}
	})
}
