package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Errors for the ingest path to map to status codes.
var (
	ErrNoToken    = errors.New("missing bearer token: send Authorization: Bearer <branch token>")
	ErrBadToken   = errors.New("unknown branch token")
	ErrWrongScope = errors.New("token may not write this branch")
)

// Tokens maps token hashes to branch ids. Safe for concurrent use; Swap
// replaces the table when the collector reloads its configuration.
type Tokens struct {
	mu     sync.RWMutex
	byHash map[[32]byte]string
	// issued, when set, holds the tokens issued through the store's branch
	// registry; the configuration's list is looked at first.
	issued atomic.Pointer[IssuedTokens]
}

// UseIssued makes t accept the tokens c holds as well as its own. Swap
// keeps them: a reload changes only the configuration's list.
func (t *Tokens) UseIssued(c *IssuedTokens) { t.issued.Store(c) }

// NewTokens builds the table from branch id -> hex SHA-256 of the token.
func NewTokens(hashes map[string]string) (*Tokens, error) {
	t := &Tokens{byHash: map[[32]byte]string{}}
	for branch, h := range hashes {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			return nil, errors.New("token hash of branch " + branch + ": must be 64 hex digits (sha256)")
		}
		t.byHash[[32]byte(b)] = branch
	}
	return t, nil
}

// Add registers a plain token for a branch (demo and tests).
func (t *Tokens) Add(branch, token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byHash[sha256.Sum256([]byte(token))] = branch
}

// Swap replaces t's table with from's.
func (t *Tokens) Swap(from *Tokens) {
	from.mu.RLock()
	m := from.byHash
	from.mu.RUnlock()
	t.mu.Lock()
	t.byHash = m
	t.mu.Unlock()
}

// Len is how many branch tokens are known.
func (t *Tokens) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byHash)
}

// Branch returns the branch a request's bearer token belongs to.
func (t *Tokens) Branch(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return "", ErrNoToken
	}
	// Hashed from a copy on the stack: converting the token (43 bytes)
	// allocated one on the heap for every request.
	var buf [64]byte
	sum := sha256.Sum256(append(buf[:0], tok...))
	t.mu.RLock()
	branch, ok := t.byHash[sum]
	t.mu.RUnlock()
	if ok {
		return branch, nil
	}
	if c := t.issued.Load(); c != nil {
		if branch, ok := c.Lookup(r.Context(), sum); ok {
			return branch, nil
		}
	}
	return "", ErrBadToken
}

// HashToken returns the hex SHA-256 of a token, as the collector config stores it.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// NewToken returns a random 32-byte token, URL-safe.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Users checks people's logins. Safe for concurrent use; Swap replaces the
// table when the collector reloads its configuration.
type Users struct {
	mu     sync.RWMutex
	gen    uint64 // bumped by Swap
	hashes map[string][]byte
	people map[string]Person
	// dummy keeps the time of a failed login for an unknown user the same
	// as for a known one: it is made at the highest cost of the real hashes.
	dummy []byte
	// ok caches the SHA-256 of logins that passed bcrypt, so that a browser
	// re-sending basic auth with every request costs a hash, not a bcrypt.
	ok sync.Map
	// guard throttles failed logins and bounds bcrypt work.
	guard *guard
}

// Account is a user as the configuration lists it: who they are, their
// role and scope, and the bcrypt hash of their password.
type Account struct {
	Person
	PasswordBcrypt string
}

// NewUsers builds the table from user name -> bcrypt hash; every user has
// the operations role (the whole bank).
func NewUsers(hashes map[string]string) (*Users, error) {
	accounts := make([]Account, 0, len(hashes))
	for name, h := range hashes {
		accounts = append(accounts, Account{Person: Person{Name: name, Role: Operations}, PasswordBcrypt: h})
	}
	return NewAccounts(accounts)
}

// NewAccounts builds the table from accounts with roles. An account
// without a role has the operations role.
func NewAccounts(accounts []Account) (*Users, error) {
	u := &Users{hashes: map[string][]byte{}, people: map[string]Person{}}
	for _, a := range accounts {
		if _, err := bcrypt.Cost([]byte(a.PasswordBcrypt)); err != nil {
			return nil, errors.New("password hash of user " + a.Name + ": not a bcrypt hash")
		}
		if a.Role == "" {
			a.Role = Operations
		}
		if !a.Role.Valid() {
			return nil, errors.New("user " + a.Name + ": unknown role " + string(a.Role))
		}
		u.hashes[a.Name] = []byte(a.PasswordBcrypt)
		u.people[a.Name] = a.Person
	}
	u.guard = defaultGuard()
	return u, nil
}

// Swap replaces u's logins with from's and forgets cached logins, so a
// removed user or a changed password takes effect at once. The throttles
// and the bcrypt pool stay.
func (u *Users) Swap(from *Users) {
	from.mu.RLock()
	m, people := from.hashes, from.people
	from.mu.RUnlock()
	u.mu.Lock()
	u.hashes, u.people = m, people
	u.dummy = nil
	u.gen++
	u.ok.Clear()
	u.mu.Unlock()
}

// dummyHash returns a hash at the highest cost among the users' hashes
// (DefaultCost without users), made once per table.
func (u *Users) dummyHash() []byte {
	u.mu.RLock()
	d := u.dummy
	u.mu.RUnlock()
	if d != nil {
		return d
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dummy == nil {
		cost := 0
		for _, h := range u.hashes {
			if c, err := bcrypt.Cost(h); err == nil && c > cost {
				cost = c
			}
		}
		if cost == 0 {
			cost = bcrypt.DefaultCost
		}
		u.dummy, _ = bcrypt.GenerateFromPassword([]byte("dummy password"), cost)
	}
	return u.dummy
}

// HashPassword returns the bcrypt hash of a password.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// Check reports whether name and password match.
func (u *Users) Check(name, password string) bool {
	_, ok, _ := u.check(context.Background(), name, password)
	return ok
}

// check is Check with bcrypt run in the bounded pool, returning the person
// logged in; it fails only when ctx ends while waiting for the pool. The
// person is read with the hash, so a login never pairs one table's
// password with another table's role.
func (u *Users) check(ctx context.Context, name, password string) (Person, bool, error) {
	sum := sha256.Sum256([]byte(name + "\x00" + password))
	if p, hit := u.cached(name, sum); hit {
		return p, true, nil
	}
	if err := u.guard.acquire(ctx); err != nil {
		return Person{}, false, err
	}
	// Logins that arrive together (a browser opening the board, a load
	// generator's readers) all missed the cache and queued for the pool;
	// the first one's bcrypt lets the others in: each ran its own before,
	// ~60 ms of a core apiece at the start of a wave.
	if p, hit := u.cached(name, sum); hit {
		u.guard.release()
		return p, true, nil
	}
	u.mu.RLock()
	h, ok := u.hashes[name]
	p := u.people[name]
	gen := u.gen
	u.mu.RUnlock()
	if !ok {
		h = u.dummyHash()
	}
	match := bcrypt.CompareHashAndPassword(h, []byte(password)) == nil
	u.guard.release()
	if !ok || !match {
		return Person{}, false, nil
	}
	u.mu.Lock()
	if u.gen == gen { // not if the logins were swapped meanwhile
		u.ok.Store(name, cachedLogin{sum: sum[:], person: p})
	}
	u.mu.Unlock()
	return p, true, nil
}

// cached returns the person a login let in if the same name and password
// (sum) passed bcrypt since the logins were last swapped.
func (u *Users) cached(name string, sum [32]byte) (Person, bool) {
	if v, hit := u.ok.Load(name); hit {
		c := v.(cachedLogin)
		if subtle.ConstantTimeCompare(c.sum, sum[:]) == 1 {
			return c.person, true
		}
	}
	return Person{}, false
}

// cachedLogin is a login that passed bcrypt, with the person it let in.
type cachedLogin struct {
	sum    []byte
	person Person
}

// Require wraps h with HTTP basic authentication against u, and puts the
// person logged in (PersonFrom) in the request context. Failed logins
// are throttled per user name and per client address (429 with
// Retry-After), reported to the failure hook, and bcrypt runs in a bounded
// pool so that guessing cannot take every core from ingest.
func (u *Users) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, pw, ok := r.BasicAuth()
		if !ok {
			challenge(w)
			return
		}
		g := u.guard
		addr := ClientAddr(r)
		now := g.now()
		if wait := max(g.users.Wait(name, now), g.addrs.Wait(addr, now)); wait > 0 {
			g.onFailure(name, addr, FailureThrottled)
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			http.Error(w, "too many failed logins; try again later", http.StatusTooManyRequests)
			return
		}
		p, good, err := u.check(r.Context(), name, pw)
		if err != nil {
			return // the client went away while waiting
		}
		if !good {
			g.users.Fail(name, now)
			g.addrs.Fail(addr, now)
			g.onFailure(name, addr, FailureWrongPassword)
			challenge(w)
			return
		}
		g.users.Forget(name)
		h.ServeHTTP(w, r.WithContext(WithPerson(r.Context(), p)))
	})
}

func challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="branchready", charset="UTF-8"`)
	http.Error(w, "login required", http.StatusUnauthorized)
}
