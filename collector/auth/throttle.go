package auth

import (
	"sync"
	"time"
)

// Throttle limits failed logins per key (a user name, a client address)
// within a fixed window: past the limit every login for that key is refused
// without looking at the password until the window ends. A guesser then
// gets a handful of tries per window instead of thousands, and a locked
// key costs no bcrypt work at all.
type Throttle struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	keys map[string]*strikes
}

type strikes struct {
	n     int
	until time.Time // the end of the window that started with the first failure
}

// maxThrottleKeys bounds the table; past it, expired entries are swept.
const maxThrottleKeys = 100_000

// NewThrottle allows limit failures per key within window.
func NewThrottle(limit int, window time.Duration) *Throttle {
	return &Throttle{limit: limit, window: window, keys: map[string]*strikes{}}
}

// Wait returns how long key must wait before its next attempt is looked
// at; zero when it may try now.
func (t *Throttle) Wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[key]
	if !ok || !now.Before(s.until) {
		return 0
	}
	if s.n < t.limit {
		return 0
	}
	return s.until.Sub(now)
}

// Fail records a failed attempt of key.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[key]
	if !ok || !now.Before(s.until) {
		if len(t.keys) >= maxThrottleKeys {
			t.sweep(now)
		}
		s = &strikes{until: now.Add(t.window)}
		t.keys[key] = s
	}
	s.n++
}

// Forget clears key's failures (after a good login).
func (t *Throttle) Forget(key string) {
	t.mu.Lock()
	delete(t.keys, key)
	t.mu.Unlock()
}

func (t *Throttle) sweep(now time.Time) {
	for k, s := range t.keys {
		if !now.Before(s.until) {
			delete(t.keys, k)
		}
	}
	if len(t.keys) >= maxThrottleKeys { // under attack from very many keys: start afresh rather than grow
		clear(t.keys)
	}
}
