package checks

import (
	"crypto/tls"
	"sync"
	"time"
)

// SessionCache lets a check resume its TLS sessions across sweeps (a
// resumed handshake costs a fraction of a full one; a branch probes the
// same hosts every few minutes) while still seeing the server's current
// certificate: a session older than maxAge is not resumed, so a full
// handshake, with the chain verified afresh, happens at least that often.
// Resumed connections keep the peer certificates of the session, so expiry
// checks still have the chain in between.
type SessionCache struct {
	maxAge time.Duration
	now    func() time.Time
	mu     sync.Mutex
	byKey  map[string]cachedSession
}

type cachedSession struct {
	state *tls.ClientSessionState
	at    time.Time
}

// DefaultSessionMaxAge bounds how long a TLS session is resumed.
const DefaultSessionMaxAge = time.Hour

// NewSessionCache returns a cache resuming sessions for at most maxAge.
func NewSessionCache(maxAge time.Duration, now func() time.Time) *SessionCache {
	if now == nil {
		now = time.Now
	}
	return &SessionCache{maxAge: maxAge, now: now, byKey: map[string]cachedSession{}}
}

// Get implements tls.ClientSessionCache.
func (c *SessionCache) Get(key string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.byKey[key]
	if !ok || c.now().Sub(s.at) > c.maxAge {
		delete(c.byKey, key)
		return nil, false
	}
	return s.state, true
}

// Put implements tls.ClientSessionCache. A session keeps the time of the
// full handshake it came from: tickets renewed on resumption do not extend
// it, so the chain is re-verified every maxAge.
func (c *SessionCache) Put(key string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs == nil {
		delete(c.byKey, key)
		return
	}
	at := c.now()
	if old, ok := c.byKey[key]; ok {
		at = old.at
	}
	if len(c.byKey) >= 64 {
		for k := range c.byKey { // a check talks to a handful of hosts
			delete(c.byKey, k)
			break
		}
	}
	c.byKey[key] = cachedSession{state: cs, at: at}
}
