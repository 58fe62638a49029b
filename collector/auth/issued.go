package auth

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Issued is a token the store issued to a branch, as the cache holds it.
type Issued struct {
	Hash   [32]byte
	Branch string
	// Expires ends a rotated-out token (zero: no end).
	Expires time.Time
}

// Cache defaults: how old the cached tokens may grow before a lookup
// reloads them, and how often an unknown token may trigger a reload.
const (
	DefaultTokenMaxAge  = 5 * time.Second
	DefaultTokenMissAge = time.Second
)

// IssuedTokens caches the live tokens the store issued, so that ingest at
// tens of thousands of results a second looks a token up in memory. The
// cache reloads on the first lookup after it is MaxAge old or was marked
// Changed; an unknown token reloads it at most once per MissAge, so a token
// issued by another collector (or the CLI) works within a second, while a
// flood of bad tokens costs at most one store read a second. One request
// reloads at a time; the others meanwhile use the tokens they have, and a
// token not among them waits for the reload rather than being refused.
//
// With a Version, a reload that is not forced by Changed first asks the
// store for its tokens' version, and reads the tokens only when it moved:
// reading all 20,000 tokens of a large bank every MaxAge was 2.5% of the
// collector's CPU in a wave, for tokens that had not changed.
type IssuedTokens struct {
	load    func(ctx context.Context) ([]Issued, error)
	version func(ctx context.Context) (string, error)
	now     func() time.Time
	log     *slog.Logger
	maxAge  time.Duration
	missAge time.Duration

	// cached is read by every ingest request with one atomic load (two
	// read locks before, on a lock word both cores write); a reload
	// replaces it whole.
	cached  atomic.Pointer[issuedSet]
	changed atomic.Bool
	loading sync.Mutex
	// loadedVersion is the store's version read just before the tokens
	// cached were (held with loading); "" when unknown.
	loadedVersion string
}

// IssuedOptions configure NewIssuedTokens; zero fields take the defaults.
type IssuedOptions struct {
	// Version, if set, returns a cheap version of the store's tokens that
	// changes whenever a token is issued, rotated or revoked, or a branch
	// revoked ("" never counts as unchanged). The cache then reloads only
	// when it moved, or when Changed was called.
	Version func(ctx context.Context) (string, error)
	Now     func() time.Time
	Log     *slog.Logger
	MaxAge  time.Duration
	MissAge time.Duration
}

// NewIssuedTokens returns a cache over load, which returns the tokens live
// now (not revoked, not expired, of branches not revoked).
func NewIssuedTokens(load func(ctx context.Context) ([]Issued, error), o IssuedOptions) *IssuedTokens {
	c := &IssuedTokens{load: load, version: o.Version, now: o.Now, log: o.Log, maxAge: o.MaxAge, missAge: o.MissAge}
	c.cached.Store(&issuedSet{byHash: map[[32]byte]Issued{}})
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.maxAge == 0 {
		c.maxAge = DefaultTokenMaxAge
	}
	if c.missAge == 0 {
		c.missAge = DefaultTokenMissAge
	}
	return c
}

// Changed marks the cache stale: the next lookup reloads it. The admin API
// and enrollment call it after issuing or revoking a token.
func (c *IssuedTokens) Changed() { c.changed.Store(true) }

// Refresh reloads the cache now; on failure the old tokens stay in force.
func (c *IssuedTokens) Refresh(ctx context.Context) error {
	c.loading.Lock()
	defer c.loading.Unlock()
	return c.refreshLocked(ctx, true)
}

// refreshLocked reloads the tokens, unless (full false, nothing marked
// Changed) the store's version is the one they were loaded at: then it
// only notes that they are current. The caller holds c.loading.
func (c *IssuedTokens) refreshLocked(ctx context.Context, full bool) error {
	full = c.changed.Swap(false) || full
	at := c.now()
	version := ""
	if c.version != nil {
		// Read before the tokens: a change committed between the two
		// moves the version again, and the next check reloads.
		v, err := c.version(ctx)
		if err == nil && !full && v != "" && v == c.loadedVersion {
			c.cached.Store(&issuedSet{byHash: c.cached.Load().byHash, loaded: at})
			return nil
		}
		if err == nil {
			version = v
		}
	}
	ts, err := c.load(ctx)
	if err != nil {
		c.changed.Store(true) // try again at the next lookup
		return err
	}
	m := make(map[[32]byte]Issued, len(ts))
	for _, t := range ts {
		m[t.Hash] = t
	}
	c.loadedVersion = version
	c.cached.Store(&issuedSet{byHash: m, loaded: at})
	return nil
}

// tryRefresh reloads unless another request is reloading already.
func (c *IssuedTokens) tryRefresh(ctx context.Context) {
	if !c.loading.TryLock() {
		return
	}
	defer c.loading.Unlock()
	if err := c.refreshLocked(ctx, false); err != nil && ctx.Err() == nil {
		c.log.Warn("reload branch tokens from the store; the cached ones stay in force", "err", err)
	}
}

// Len is how many live tokens are cached.
func (c *IssuedTokens) Len() int {
	return len(c.cached.Load().byHash)
}

// Lookup returns the branch of a token's hash, if the token is live.
func (c *IssuedTokens) Lookup(ctx context.Context, sum [32]byte) (string, bool) {
	now := c.now()
	loaded := c.cached.Load().loaded
	if loaded.IsZero() || now.Sub(loaded) >= c.maxAge || c.changed.Load() {
		c.tryRefresh(ctx)
	}
	if b, ok := c.get(sum, now); ok {
		return b, true
	}
	// A miss waits for a reload under way (the first one after start
	// above all: answering 401 meanwhile would tell an agent its token is
	// wrong), then reloads itself only if the tokens are older than
	// MissAge, so a flood of bad tokens costs one store read a second.
	c.loading.Lock()
	loaded = c.cached.Load().loaded
	if loaded.IsZero() || now.Sub(loaded) >= c.missAge {
		if err := c.refreshLocked(ctx, false); err != nil && ctx.Err() == nil {
			c.log.Warn("reload branch tokens from the store; the cached ones stay in force", "err", err)
		}
	}
	c.loading.Unlock()
	return c.get(sum, now)
}

// issuedSet is the tokens cached and when they were loaded (zero:
// never; renewed also when the store's version had not moved). It is
// never changed once stored.
type issuedSet struct {
	byHash map[[32]byte]Issued
	loaded time.Time
}

func (c *IssuedTokens) get(sum [32]byte, now time.Time) (string, bool) {
	t, ok := c.cached.Load().byHash[sum]
	if !ok || (!t.Expires.IsZero() && !now.Before(t.Expires)) {
		return "", false
	}
	return t.Branch, true
}

// SumToken is the SHA-256 of a token, the cache's key.
func SumToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }
