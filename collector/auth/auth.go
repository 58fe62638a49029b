package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"

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
}

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
	t.mu.RLock()
	branch, ok := t.byHash[sha256.Sum256([]byte(tok))]
	t.mu.RUnlock()
	if !ok {
		return "", ErrBadToken
	}
	return branch, nil
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
	// dummy keeps the time of a failed login for an unknown user the same
	// as for a known one.
	dummy []byte
	// ok caches the SHA-256 of logins that passed bcrypt, so that a browser
	// re-sending basic auth with every request costs a hash, not a bcrypt.
	ok sync.Map
}

// NewUsers builds the table from user name -> bcrypt hash.
func NewUsers(hashes map[string]string) (*Users, error) {
	u := &Users{hashes: map[string][]byte{}}
	for name, h := range hashes {
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return nil, errors.New("password hash of user " + name + ": not a bcrypt hash")
		}
		u.hashes[name] = []byte(h)
	}
	u.dummy, _ = bcrypt.GenerateFromPassword([]byte("dummy"), bcrypt.MinCost)
	return u, nil
}

// Swap replaces u's logins with from's and forgets cached logins, so a
// removed user or a changed password takes effect at once.
func (u *Users) Swap(from *Users) {
	from.mu.RLock()
	m := from.hashes
	from.mu.RUnlock()
	u.mu.Lock()
	u.hashes = m
	u.gen++
	u.ok.Clear()
	u.mu.Unlock()
}

// HashPassword returns the bcrypt hash of a password.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// Check reports whether name and password match.
func (u *Users) Check(name, password string) bool {
	sum := sha256.Sum256([]byte(name + "\x00" + password))
	if v, hit := u.ok.Load(name); hit {
		if subtle.ConstantTimeCompare(v.([]byte), sum[:]) == 1 {
			return true
		}
	}
	u.mu.RLock()
	h, ok := u.hashes[name]
	gen := u.gen
	u.mu.RUnlock()
	if !ok {
		_ = bcrypt.CompareHashAndPassword(u.dummy, []byte(password))
		return false
	}
	if bcrypt.CompareHashAndPassword(h, []byte(password)) != nil {
		return false
	}
	u.mu.Lock()
	if u.gen == gen { // not if the logins were swapped meanwhile
		u.ok.Store(name, sum[:])
	}
	u.mu.Unlock()
	return true
}

// Require wraps h with HTTP basic authentication against u.
func (u *Users) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, pw, ok := r.BasicAuth()
		if !ok || !u.Check(name, pw) {
			w.Header().Set("WWW-Authenticate", `Basic realm="branchready", charset="UTF-8"`)
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
